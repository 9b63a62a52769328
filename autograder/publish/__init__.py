"""What is made from the same sources as the grader: stubs, the student release, reports and the class book, Gradescope's zip, the nbgrader course and its hooks."""
