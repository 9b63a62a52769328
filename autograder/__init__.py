"""An autograder for a course on recurrent neural networks.

Layout: ``course.yaml`` (points, limits) -> ``engine`` runs the pytest suites in
``suites/<exercise>/`` against a submission whose code runs only in the
``sandbox``; ``results`` renders what comes out; ``authoring``/``stubs`` derive
the students' files from the reference solutions.
"""
