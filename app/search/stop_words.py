"""The small words of English that say little of what is sought, wherever a query is read."""

# Small words that say little of what is sought: never corrected nor expanded as prefixes, and
# they count only in a query made of nothing else (which finds what holds them).
STOP_WORDS = frozenset([
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had",
    "has", "have", "having", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "me", "my", "no", "not", "of", "on", "or", "our", "she", "should", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "too", "up", "was", "we", "were", "what", "when", "where", "which", "while", "who", "why",
    "will", "with", "would", "you", "your",
    # What is left of a contraction ("won't", "Paget's") once its apostrophe splits it.
    "t", "s", "d", "ll", "m", "re", "ve", "don", "doesn", "didn", "isn", "aren", "wasn", "weren",
    "won", "shouldn", "wouldn", "couldn", "haven", "hasn",
])  # fmt: skip
