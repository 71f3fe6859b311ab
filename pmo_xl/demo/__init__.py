"""The demo: sample projects and submissions, and the whole cycle run on them."""
