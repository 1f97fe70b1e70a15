"""The course tooling: exercises, student editions and grading.

A student who imports :mod:`convlib` never needs this subpackage; instructors
and the book's build do.

Modules:
    homework: the exercise format (otter-grader's), the website's version of a chapter,
        and :func:`~convlib.course.homework.public_check_failures` for planted-mistake tests.
    editions: student editions and autograder bundles (``make student``).
    grading: sandboxed grading of submitted notebooks (``make grade``).
    checks: the one-line hints that ``grader.check`` shows and the grading feedback repeats.
    lab: JupyterLab on the student edition or the master copies (``make lab``).
"""
