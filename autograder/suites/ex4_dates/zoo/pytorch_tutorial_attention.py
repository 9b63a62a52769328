# Adapted from PyTorch's "NLP From Scratch: Translation with a Sequence to Sequence Network and
# Attention": EncoderRNN, BahdanauAttention and AttnDecoderRNN (GRU), its SOS/EOS framing and NLLLoss
# on the decoder's log-softmax, with my own character vocabulary and my own strftime formats.
import datetime
import random
import string

import torch
import torch.nn as nn
import torch.nn.functional as F

from date_formats import DATE_RANGE

MY_FORMATS = ["%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y-%m-%d",
              "%A, %B %d, %Y", "%a, %d %b %Y", "%A %d %B %Y", "%b. %d, %Y", "%d-%b-%Y", "%B %d %Y"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def render(date, fmt):
    """strftime, with English names whatever the machine's locale."""
    fmt = (fmt.replace("%B", MONTHS[date.month - 1]).replace("%b", MONTHS[date.month - 1][:3])
           .replace("%A", DAYS[date.weekday()]).replace("%a", DAYS[date.weekday()][:3]))
    return date.strftime(fmt)


def make_date_pairs(n, seed=0):
    rnd = random.Random(seed)
    start, end = DATE_RANGE
    span = (end - start).days
    pairs = []
    for _ in range(n):
        d = start + datetime.timedelta(days=rnd.randrange(span + 1))
        text = render(d, rnd.choice(MY_FORMATS))
        text = rnd.choice([str.lower, str.upper, str.title, lambda s: s])(text)
        pairs.append((text, d.strftime("%Y-%m-%d")))
    return pairs


SOS_token = 1
EOS_token = 2


class DateVocab:
    PAD, START, END, UNK = 0, SOS_token, EOS_token, 3

    def __init__(self):
        self.index2char = {0: "PAD", 1: "SOS", 2: "EOS", 3: "UNK"}
        self.char2index = {}
        for ch in string.printable[:-5]:  # letters, digits, punctuation and space
            self.char2index[ch] = len(self.index2char)
            self.index2char[len(self.index2char)] = ch

    def __len__(self):
        return len(self.index2char)

    def encode(self, sentence):
        return [self.char2index.get(ch, self.UNK) for ch in sentence] + [EOS_token]

    def decode(self, ids):
        chars = []
        for i in ids:
            i = int(i)
            if i == EOS_token:
                break
            if i in (self.PAD, SOS_token):
                continue
            chars.append(self.index2char.get(i, "?") if i != self.UNK else "?")
        return "".join(chars)


def tensorFromSentences(vocab, sentences):
    ids = [vocab.encode(s) for s in sentences]
    longest = max(map(len, ids))
    return torch.tensor([x + [vocab.PAD] * (longest - len(x)) for x in ids], dtype=torch.long)


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None, max_length=12):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        steps = target_tensor.size(1) if target_tensor is not None else max_length
        for i in range(steps):
            decoder_output, decoder_hidden = self.forward_step(decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        return F.log_softmax(decoder_outputs, dim=-1), decoder_hidden

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
        return self.out(output), hidden


class Seq2Seq(nn.Module):
    def __init__(self, vocab, hidden_size=64):
        super().__init__()
        self.vocab = vocab
        self.encoder = EncoderRNN(len(vocab), hidden_size)
        self.decoder = AttnDecoderRNN(hidden_size, len(vocab))

    def forward(self, src, tgt):
        encoder_outputs, encoder_hidden = self.encoder(src)
        log_probs, _ = self.decoder(encoder_outputs, encoder_hidden, tgt)
        return log_probs


def train_dates(model, pairs, epochs, seed=0):
    torch.manual_seed(seed)
    random.seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    criterion = nn.NLLLoss(ignore_index=model.vocab.PAD)
    pairs = list(pairs)
    plot_losses = []
    model.train()
    for epoch in range(1, epochs + 1):
        random.shuffle(pairs)
        total_loss = 0
        for i in range(0, len(pairs), 64):
            batch = pairs[i:i + 64]
            input_tensor = tensorFromSentences(model.vocab, [p[0] for p in batch])
            target_tensor = tensorFromSentences(model.vocab, [p[1] for p in batch])
            optimizer.zero_grad()
            decoder_outputs = model(input_tensor, target_tensor)
            loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
        plot_losses.append(total_loss / len(pairs))
    return plot_losses


def translate(model, text):
    model.eval()
    with torch.no_grad():
        encoder_outputs, encoder_hidden = model.encoder(tensorFromSentences(model.vocab, [text]))
        decoder_outputs, _ = model.decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
    return model.vocab.decode(topi.squeeze().tolist())
