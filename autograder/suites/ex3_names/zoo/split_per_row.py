# Adapted from PyTorch's "NLP From Scratch: Classifying Names with a Character-Level RNN":
# split_names shuffles each language's rows and cuts them, like train_test_split: a name listed twice, or
# under two languages, can land on both sides (a label leak into the test set).
from __future__ import unicode_literals, print_function, division

import glob
import os
import random
import string
import unicodedata

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
ALL_LETTERS, N_LETTERS = all_letters, n_letters


# Turn a Unicode string to plain ASCII, thanks to https://stackoverflow.com/a/518232/2809427
def unicodeToAscii(s):
    return ''.join(
        c for c in unicodedata.normalize('NFD', s)
        if unicodedata.category(c) != 'Mn'
        and c in all_letters
    )


unicode_to_ascii = unicodeToAscii


def findFiles(path):
    return glob.glob(path)


def readLines(filename):
    lines = open(filename, encoding='utf-8').read().strip().split('\n')
    return [unicodeToAscii(line) for line in lines]


def load_names(data_dir=None):
    if data_dir is None:
        data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'names')
    category_lines = {}
    for filename in findFiles(os.path.join(data_dir, '*.txt')):
        category = os.path.splitext(os.path.basename(filename))[0]
        category_lines[category] = [line for line in readLines(filename) if line]
    return category_lines


def split_names(data, test_fraction=0.2, seed=0):
    rnd = random.Random(seed)
    train, test = {}, {}
    for category, lines in data.items():
        lines = list(lines)
        rnd.shuffle(lines)
        n_test = int(round(test_fraction * len(lines)))
        test[category], train[category] = lines[:n_test], lines[n_test:]
    return train, test


# Find letter index from all_letters, e.g. "a" = 0
def letterToIndex(letter):
    return all_letters.find(letter)


# Turn a line into a <line_length x 1 x n_letters>, or an array of one-hot letter vectors
def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


name_to_tensor = lineToTensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def step(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self, batch=1):
        return torch.zeros(batch, self.hidden_size)

    def forward(self, line_tensor):
        hidden = self.initHidden(line_tensor.size(1))
        for i in range(line_tensor.size()[0]):
            output, hidden = self.step(line_tensor[i], hidden)
        return output


NameClassifier = RNN


def train_names(model, data, epochs, seed=0):
    all_categories = sorted(data)
    examples = [(line, i) for i, c in enumerate(all_categories) for line in data[c]]
    criterion = nn.NLLLoss()
    learning_rate = 0.005  # If you set this too high, it might explode. If too low, it might not learn
    random.seed(seed)
    torch.manual_seed(seed)
    losses = []
    for epoch in range(epochs):
        random.shuffle(examples)
        current_loss = 0
        for line, category_i in examples:
            category_tensor = torch.tensor([category_i], dtype=torch.long)
            line_tensor = lineToTensor(line)
            model.zero_grad()
            output = model(line_tensor)
            loss = criterion(output, category_tensor)
            loss.backward()
            # Add parameters' gradients to their values, multiplied by learning rate
            for p in model.parameters():
                if p.grad is not None:  # a one-letter name never reaches i2h's output
                    p.data.add_(p.grad.data, alpha=-learning_rate)
            current_loss += loss.item()
        losses.append(current_loss / len(examples))
    return losses


def predict(model, input_line, all_categories, k=3):
    with torch.no_grad():
        output = model(lineToTensor(input_line))
        topv, topi = output.topk(k, 1, True)
        predictions = []
        for i in range(k):
            value = topv[0][i].item()
            category_index = topi[0][i].item()
            predictions.append((all_categories[category_index], float(torch.exp(torch.tensor(value)))))
    return predictions
