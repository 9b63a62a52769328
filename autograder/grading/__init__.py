"""The pipeline from a submission to a result: course.yaml's model, the submission, the engine and its pytest plugin, the comparisons checks make, and the one result model (docs/architecture.md)."""
