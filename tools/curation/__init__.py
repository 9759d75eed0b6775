"""Curating the knowledge: the curator's commands and the data revisions they write.

`python -m tools.curation new | check | migration | diff` (cli.py) reads and checks the seeds
with app.knowledge, and compares what they say with what the migrations write or a database
holds (revisions.py), writing the next data revision when asked.
"""
