"""Search across every concept with a URL, best matches first, the same on every backend.

The search documents hold stems, by weight class (app/search_index.py): names and aliases, then
descriptions, kinds, details and quotes. A query is read the same way, word by word:

- each word stands for its stem and, as a word prefix, the stems of the vocabulary's words it
  begins (so "hyperparathyroid" still finds hyperparathyroidism);
- a word the vocabulary does not know is corrected to the nearest word it does (a misspelling,
  or another form of a word: "smokers" for smoking), and the answer says `did_you_mean`; a word
  whose nearest known word differs from it as another word does, rather than as a typo
  ("stones", near "bones"), is left as it is: it finds nothing, and the other words answer;
- a document holding any of the words is found, and ranked by the sum, over the words it holds,
  of the word's weight (rarer words weigh more: an inverse document frequency, from the
  vocabulary) times the weight of the best class it holds the word in; an exact stem counts
  twice as much as a prefix. Every number is an integer, so both backends rank alike; ties go
  by document order;
- words that most of a large library holds only re-rank what the other words found, and small
  words like "the" count only when the query has no other, so that they neither flood the
  answer nor make it slow;
- a page of a large answer is ranked first among the documents holding a finding word in a
  name or alias, then, if need be, in a name, description or kind: when the last of those the
  page needs outscores what any other document could score (its finding words in the next
  class at best), they are exactly the page that ranking every match gives; otherwise every
  match is ranked. At 10,000 conditions, the 356 of the 7,000 documents holding "kidney" in a
  name are scored from their own stem columns (they are few), where ranking every match reads
  the index's entry for each of the 7,000.

The snapshot's full-text index (FTS5 over the stems, app/snapshot.py) finds the documents, and
its list of where each stem is ranks them: every backend's snapshot is a SQLite file, so the
answers are the same whatever database the knowledge came from. The vocabulary is read once per
knowledge revision (per `Graph`), its typo index built on first use.

Its modules, each with one job:

- `stop_words`: the small words that say little;
- `vocabulary`: the words the documents hold: prefix expansion, typo correction, word weights;
- `query`: a query read as terms, each word with the stems it stands for;
- `ranking`: which terms find and which count, and each document's score;
- `page`: one page of hits, from the full-text index: `search`, the entry point;
- `hits`: a found document as a hit, with its snippet.
"""

from app.search.page import search

__all__ = ["search"]
