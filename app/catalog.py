"""The lists the API serves concepts in: each described once, served by one set of routes."""

from dataclasses import dataclass
from typing import Any

from app.knowledge import lists
from app.schemas import (
    AggravatingFactor,
    AggravatingFactorPage,
    Cause,
    CausePage,
    Complication,
    ComplicationPage,
    Concept,
    DiagnosticTest,
    DiagnosticTestPage,
    Drug,
    DrugPage,
    DrugStatement,
    Page,
    Population,
    PopulationPage,
    Prevention,
    PreventionPage,
    PreventionStatement,
    RiskFactor,
    RiskFactorPage,
    RiskFactorStatement,
    Statement,
    Symptom,
    SymptomPage,
    Treatment,
    TreatmentPage,
    TreatmentStatement,
)


@dataclass(frozen=True)
class Resource:
    """A list of concepts: those some statement's predicate sends to it."""

    name: str  # as the predicate vocabulary names it: "risk-factors"
    item: str  # one of its items, in operation ids: "risk_factor" (get_risk_factor)
    schema: type[Concept[Any]]
    page: type[Page[Any]]
    statement: type[Statement]
    singular: str  # "risk factor": for messages and summaries
    plural: str

    @property
    def path(self) -> str:
        return f"/{self.name}"

    @property
    def operation_name(self) -> str:
        return self.name.replace("-", "_")

    @property
    def kind_vocabulary(self) -> str | None:
        """The vocabulary its concepts' `kind` comes from, if they have one."""
        return lists.KIND_VOCABULARIES.get(self.name)


CAUSES = Resource(
    lists.CAUSES, "cause", Cause, CausePage, Statement, singular="cause type", plural="cause types"
)
RISK_FACTORS = Resource(
    lists.RISK_FACTORS,
    "risk_factor",
    RiskFactor,
    RiskFactorPage,
    RiskFactorStatement,
    singular="risk factor",
    plural="risk factors",
)
SYMPTOMS = Resource(
    lists.SYMPTOMS,
    "symptom",
    Symptom,
    SymptomPage,
    Statement,
    singular="symptom",
    plural="symptoms",
)
COMPLICATIONS = Resource(
    lists.COMPLICATIONS,
    "complication",
    Complication,
    ComplicationPage,
    Statement,
    singular="complication",
    plural="complications",
)
TESTS = Resource(
    lists.TESTS,
    "test",
    DiagnosticTest,
    DiagnosticTestPage,
    Statement,
    singular="diagnostic test",
    plural="diagnostic tests",
)
TREATMENTS = Resource(
    lists.TREATMENTS,
    "treatment",
    Treatment,
    TreatmentPage,
    TreatmentStatement,
    singular="treatment",
    plural="treatments",
)
DRUGS = Resource(
    lists.DRUGS, "drug", Drug, DrugPage, DrugStatement, singular="drug", plural="drugs"
)
PREVENTION = Resource(
    lists.PREVENTION,
    "prevention",
    Prevention,
    PreventionPage,
    PreventionStatement,
    singular="prevention measure",
    plural="prevention measures",
)
AGGRAVATING_FACTORS = Resource(
    lists.AGGRAVATING_FACTORS,
    "aggravating_factor",
    AggravatingFactor,
    AggravatingFactorPage,
    Statement,
    singular="aggravating factor",
    plural="aggravating factors",
)
POPULATIONS = Resource(
    lists.POPULATIONS,
    "population",
    Population,
    PopulationPage,
    Statement,
    singular="population",
    plural="populations",
)

# In the order of lists.CONCEPT_LISTS.
RESOURCES: tuple[Resource, ...] = (
    CAUSES,
    RISK_FACTORS,
    SYMPTOMS,
    COMPLICATIONS,
    TESTS,
    TREATMENTS,
    DRUGS,
    PREVENTION,
    AGGRAVATING_FACTORS,
    POPULATIONS,
)
BY_NAME = {resource.name: resource for resource in RESOURCES}
