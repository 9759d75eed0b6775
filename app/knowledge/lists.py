"""The lists the API serves concepts in, by the names the predicate vocabulary uses for them.

The vocabulary is open (seed/vocabulary.toml), but a list is a path of the API: a predicate can
only send its objects to a list that exists here.
"""

CAUSES = "causes"
RISK_FACTORS = "risk-factors"
SYMPTOMS = "symptoms"
COMPLICATIONS = "complications"
TESTS = "tests"
TREATMENTS = "treatments"
DRUGS = "drugs"
PREVENTION = "prevention"
# What makes a condition worse, and the groups of people more likely to have it.
AGGRAVATING_FACTORS = "aggravating-factors"
POPULATIONS = "populations"
# Served inside their condition's page, not as a list of their own.
BODY_SITES = "body-sites"

CONCEPT_LISTS = (
    CAUSES,
    RISK_FACTORS,
    SYMPTOMS,
    COMPLICATIONS,
    TESTS,
    TREATMENTS,
    DRUGS,
    PREVENTION,
    # Last, so that a concept already served keeps the kind search names it by.
    AGGRAVATING_FACTORS,
    POPULATIONS,
)
# A predicate's subject is the condition, or a concept of one of the lists.
CONDITION_SUBJECT = "condition"
# The vocabulary a concept's `kind` comes from, by the list it is served in.
KIND_VOCABULARIES = {TESTS: "test-kind", TREATMENTS: "treatment-kind"}
# Vocabularies every statement and code draws from.
CERTAINTY = "certainty"
CODE_RELATION = "code-relation"
# What a condition-wide guidance section is about (prevalence, onset, ...), when it says.
GUIDANCE_ASPECT = "guidance-aspect"
