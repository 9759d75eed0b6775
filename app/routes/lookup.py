"""Knowledge by the codes clinical systems hold: /lookup, and /infobutton for EHRs that speak
the HL7 Infobutton URL convention (app/lookup/)."""

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from app.errors import NAMELESS_PROBLEM_RESPONSES, PLAIN_TEXT_PATTERN, InvalidParameter
from app.lookup import (
    SYSTEM_NAMES,
    CodeSystem,
    LookupPage,
    code_system,
    lookup,
)
from app.lookup.infobutton import (
    CERTIFICATE,
    CODE,
    DISPLAY_NAME,
    LANGUAGE_CODE,
    RECIPIENT,
    RESPONSE_TYPE,
    SYSTEM,
    XML,
    InfobuttonFeed,
    answer,
    atom_xml,
)
from app.routes.items import json_bytes, store_of
from app.routes.params import MAX_TEXT, PageQuery
from app.served import to_json

router = APIRouter(tags=["lookup"])
# The longest code any of the systems has, with room to spare.
MAX_CODE = 40
MAX_SYSTEM = 100
# The document lists the names a system is taken by; the route reads them itself (any case).
SYSTEM_ENUM: dict[str, Any] = {"enum": SYSTEM_NAMES}


class LookupQuery(PageQuery):
    """A code, its system, and which page of what it leads to."""

    system: str = Field(
        min_length=1,
        max_length=MAX_SYSTEM,
        pattern=PLAIN_TEXT_PATTERN,
        description="The code system: its FHIR URI (`http://hl7.org/fhir/sid/icd-10-cm`), its "
        "HL7 OID (`2.16.840.1.113883.6.90`) or its short name (`icd-10-cm`, `mesh`, `atc`, "
        "`rxnorm`, `loinc`).",
        json_schema_extra=SYSTEM_ENUM,
    )
    code: str = Field(
        min_length=1,
        max_length=MAX_CODE,
        pattern=PLAIN_TEXT_PATTERN,
        description="The code, as the system writes it; ICD-10-CM with or without its dot.",
    )


@router.get(
    "/lookup",
    response_model=LookupPage,
    operation_id="lookup_code",
    summary="Find knowledge by a clinical code",
    responses=NAMELESS_PROBLEM_RESPONSES,
)
async def read_lookup(request: Request, query: Annotated[LookupQuery, Query()]) -> Response:
    """The conditions and concepts a code leads to, best first, each with the code that matched
    and how the item relates to the code sent: `exact`, `broader`, `narrower` or `related`.

    An ICD-10-CM code also finds, through the code system's hierarchy (the April 2026
    release), the items coded with its categories, its more specific codes and its cousins
    (`via` names the category they share); an ICD-10-CM code that does not exist is a 422. For
    MeSH, ATC, RxNorm and LOINC, the curated codes match exactly; a code that leads to nothing
    answers an empty list.
    """
    system, paging = code_system(query.system, "system"), query.paging
    snapshot = store_of(request).snapshot()
    found = await snapshot.read(lambda connection: lookup(connection, system, query.code, "code"))
    page = found.page(paging.limit, paging.offset)
    return json_bytes(to_json(page), paging.links(request, page.total))


# The parameters that make the answer: the feed's id is the request as they spell it.
ANSWERING = (CODE, SYSTEM, DISPLAY_NAME, RESPONSE_TYPE, RECIPIENT, LANGUAGE_CODE)
UNCHANGED = "Accepted for compatibility; does not change the answer."


def _context(alias: str, what: str) -> Any:
    return Field(
        None,
        alias=alias,
        max_length=MAX_TEXT,
        pattern=PLAIN_TEXT_PATTERN,
        description=f"{what}. {UNCHANGED}",
    )


class InfobuttonContext(BaseModel):
    """The context parameters of the HL7 Infobutton URL-based implementation guide that an
    infobutton manager (an EHR calling MedlinePlus Connect) sends beside the main search
    criteria: who asks, for whom, about which patient, in which task and encounter. The API
    serves the same knowledge whatever the context, so it takes them and answers as without
    them, rather than refuse the request as it refuses a parameter no operation defines.

    The list is the guide's, as the OpenInfobutton reference implementation and the
    HL7InfobuttonDotNet parser read it (`c` code, `cs` code system, `dn` display name, `ot`
    original text, `v` value, `u` unit, `n` name); deprecated spellings (`mainSearchCriteria.c.c`)
    and vendors' own parameters are refused as any unknown parameter is."""

    # The request, and the organization that sends it.
    effective_time: str | None = _context(
        "knowledgeRequestNotification.effectiveTime.v", "When the request was made"
    )
    holder_name: str | None = _context(
        "holder.assignedEntity.n", "The requesting organization's user name at the resource"
    )
    holder_certificate: str | None = _context(
        CERTIFICATE,
        "The requesting organization's password at the resource (never repeated in the answer)",
    )
    authorized_person: str | None = _context(
        "assignedAuthorizedPerson.id.root", "The requesting person's identifier"
    )
    organization: str | None = _context(
        "representedOrganization.id.root", "The requesting organization's identifier"
    )
    organization_name: str | None = _context(
        "assignedEntity.representedOrganization.n", "The requesting organization's name"
    )
    # The patient.
    gender: str | None = _context(
        "patientPerson.administrativeGenderCode.c", "The patient's administrative gender code"
    )
    gender_system: str | None = _context(
        "patientPerson.administrativeGenderCode.cs",
        "The code system of `patientPerson.administrativeGenderCode.c`",
    )
    gender_name: str | None = _context(
        "patientPerson.administrativeGenderCode.dn",
        "The display name of `patientPerson.administrativeGenderCode.c`",
    )
    age: str | None = _context("age.v.v", "The patient's age")
    age_unit: str | None = _context(
        "age.v.u", "The unit of `age.v.v` (`a` years, `mo` months, ...)"
    )
    age_group: str | None = _context("ageGroup.v.c", "The patient's age group (a MeSH code)")
    age_group_system: str | None = _context("ageGroup.v.cs", "The code system of `ageGroup.v.c`")
    age_group_name: str | None = _context("ageGroup.v.dn", "The display name of `ageGroup.v.c`")
    # The task, and what about the main search criteria is asked.
    task: str | None = _context("taskContext.c.c", "The EHR task (`PROBLISTREV`, ...)")
    task_system: str | None = _context("taskContext.c.cs", "The code system of `taskContext.c.c`")
    task_name: str | None = _context("taskContext.c.dn", "The display name of `taskContext.c.c`")
    sub_topic: str | None = _context("subTopic.v.c", "The subtopic asked about (`Q000628`, ...)")
    sub_topic_system: str | None = _context("subTopic.v.cs", "The code system of `subTopic.v.c`")
    sub_topic_name: str | None = _context("subTopic.v.dn", "The display name of `subTopic.v.c`")
    sub_topic_text: str | None = _context("subTopic.v.ot", "The original text of `subTopic.v.c`")
    original_text: str | None = _context(
        "mainSearchCriteria.v.ot", "The main search criteria's original text, as entered"
    )
    severity: str | None = _context(
        "severityObservation.interpretationCode.c", "The severity of the main search criteria"
    )
    severity_system: str | None = _context(
        "severityObservation.interpretationCode.cs",
        "The code system of `severityObservation.interpretationCode.c`",
    )
    severity_name: str | None = _context(
        "severityObservation.interpretationCode.dn",
        "The display name of `severityObservation.interpretationCode.c`",
    )
    # Who reads the answer (`informationRecipient` itself changes it), and who asks.
    recipient_discipline: str | None = _context(
        "informationRecipient.healthCareProvider.c.c", "The recipient's discipline"
    )
    recipient_discipline_system: str | None = _context(
        "informationRecipient.healthCareProvider.c.cs",
        "The code system of `informationRecipient.healthCareProvider.c.c`",
    )
    recipient_discipline_name: str | None = _context(
        "informationRecipient.healthCareProvider.c.dn",
        "The display name of `informationRecipient.healthCareProvider.c.c`",
    )
    recipient_language_system: str | None = _context(
        "informationRecipient.languageCode.cs", "The recipient's language's code system"
    )
    recipient_language_name: str | None = _context(
        "informationRecipient.languageCode.dn", "The recipient's language's display name"
    )
    performer: str | None = _context("performer", "Who asks: `PAT`, `PROV` or `PAYOR`")
    performer_discipline: str | None = _context(
        "performer.healthCareProvider.c.c", "The asker's discipline"
    )
    performer_discipline_system: str | None = _context(
        "performer.healthCareProvider.c.cs", "The code system of `performer.healthCareProvider.c.c`"
    )
    performer_discipline_name: str | None = _context(
        "performer.healthCareProvider.c.dn",
        "The display name of `performer.healthCareProvider.c.c`",
    )
    performer_language: str | None = _context("performer.languageCode.c", "The asker's language")
    performer_language_system: str | None = _context(
        "performer.languageCode.cs", "The code system of `performer.languageCode.c`"
    )
    performer_language_name: str | None = _context(
        "performer.languageCode.dn", "The display name of `performer.languageCode.c`"
    )
    # The encounter, and where care is given.
    encounter: str | None = _context("encounter.c.c", "The encounter type (`AMB`, ...)")
    encounter_system: str | None = _context("encounter.c.cs", "The code system of `encounter.c.c`")
    encounter_name: str | None = _context("encounter.c.dn", "The display name of `encounter.c.c`")
    location: str | None = _context(
        "serviceDeliveryLocation.id.root", "Where care is given: its identifier"
    )
    # An observation of the patient (a lab result), and the location of interest.
    observation: str | None = _context("observation.c.c", "An observation's code")
    observation_system: str | None = _context(
        "observation.c.cs", "The code system of `observation.c.c`"
    )
    observation_name: str | None = _context(
        "observation.c.dn", "The display name of `observation.c.c`"
    )
    observation_value: str | None = _context("observation.v.v", "The observation's value")
    observation_unit: str | None = _context("observation.v.u", "The unit of `observation.v.v`")
    observation_coded: str | None = _context("observation.v.c", "The observation's coded value")
    observation_coded_system: str | None = _context(
        "observation.v.cs", "The code system of `observation.v.c`"
    )
    observation_coded_name: str | None = _context(
        "observation.v.dn", "The display name of `observation.v.c`"
    )
    postal_code: str | None = _context(
        "locationOfInterest.addr.postalCode", "The location of interest's postal code"
    )
    city: str | None = _context("locationOfInterest.addr.city", "The location of interest's city")
    state: str | None = _context(
        "locationOfInterest.addr.state", "The location of interest's state"
    )


# Every context parameter, as a client spells it.
CONTEXT_PARAMETERS = tuple(str(field.alias) for field in InfobuttonContext.model_fields.values())


async def infobutton_context(context: Annotated[InfobuttonContext, Query()]) -> None:
    """Take the guide's context parameters (validated as any text is), and leave them."""


@router.get(
    "/infobutton",
    response_model=InfobuttonFeed,
    operation_id="infobutton",
    summary="Knowledge for an EHR's infobutton (HL7 Infobutton URL convention)",
    responses={
        200: {
            "description": "An Atom feed (RFC 4287) of the items, best first: as JSON with "
            "`knowledgeResponseType=application/json`, else as XML.",
            "content": {XML: {"schema": {"type": "string"}}},
        },
        **NAMELESS_PROBLEM_RESPONSES,
    },
    dependencies=[Depends(infobutton_context)],
)
async def read_infobutton(
    request: Request,
    code: Annotated[
        str | None,
        Query(
            alias=CODE,
            min_length=1,
            max_length=MAX_CODE,
            pattern=PLAIN_TEXT_PATTERN,
            description="The code (with `mainSearchCriteria.v.cs`).",
        ),
    ] = None,
    system: Annotated[
        str | None,
        Query(
            alias=SYSTEM,
            min_length=1,
            max_length=MAX_SYSTEM,
            pattern=PLAIN_TEXT_PATTERN,
            description="The code system's HL7 OID (`2.16.840.1.113883.6.90` for ICD-10-CM); "
            "its FHIR URI or short name are taken too.",
            json_schema_extra=SYSTEM_ENUM,
        ),
    ] = None,
    display_name: Annotated[
        str | None,
        Query(
            alias=DISPLAY_NAME,
            min_length=1,
            max_length=MAX_TEXT,
            pattern=PLAIN_TEXT_PATTERN,
            description="The code's display name: searched for when no code is sent, or when "
            "the code leads to nothing.",
        ),
    ] = None,
    response_type: Annotated[
        Literal["text/xml", "application/json"],
        Query(
            alias=RESPONSE_TYPE,
            description="`text/xml` (the default): the Atom feed as XML; `application/json`: "
            "the same feed as JSON, as MedlinePlus Connect gives it.",
        ),
    ] = "text/xml",
    recipient: Annotated[
        Literal["PAT", "PROV"],
        Query(
            alias=RECIPIENT,
            description="Who reads the answer: `PAT` (a patient, the default: each summary says "
            "in plain words how the item fits the code) or `PROV` (a provider: it names the "
            "code that matched).",
        ),
    ] = "PAT",
    language: Annotated[
        Literal["en"] | None,
        Query(
            alias=LANGUAGE_CODE,
            description="The answer's language: the knowledge is in English (`en`) only.",
        ),
    ] = None,
) -> Response:
    """What the code leads to, as the HL7 Context-Aware Knowledge Retrieval (Infobutton)
    URL-based implementation guide asks it, and answered as MedlinePlus Connect answers it: an
    Atom feed whose entries link to the items' pages here, each with its title and summary,
    best first (at most ten).

    The guide's context parameters that an EHR's infobutton manager sends beside these (the
    patient, the task, who asks and who reads, the encounter: `taskContext.c.c`, `age.v.v`,
    `performer`, ...) are accepted for compatibility; they do not change the answer."""
    if code is None and display_name is None:
        raise InvalidParameter(
            CODE, f"send a code (with {SYSTEM}) or a display name ({DISPLAY_NAME})"
        )
    chosen: CodeSystem | None = None
    if system is not None:
        chosen = code_system(system, SYSTEM)
    elif code is not None:
        raise InvalidParameter(SYSTEM, f"the code system of {CODE}, e.g. 2.16.840.1.113883.6.90")
    snapshot = store_of(request).snapshot()
    base = request.app.settings.public_url.rstrip("/")
    # The context parameters do not make the answer (and one of them is a password).
    pairs = sorted((k, v) for k, v in request.query_params.multi_items() if k in ANSWERING)
    request_id = f"{base}/infobutton?{urlencode(pairs)}"

    found_feed = await snapshot.read(
        lambda connection: answer(
            connection,
            snapshot.shape,
            base=base,
            request_id=request_id,
            system=chosen,
            code=code,
            display_name=display_name,
            recipient=recipient,
        )
    )
    if response_type == XML:
        return Response(atom_xml(found_feed), media_type=XML)
    return json_bytes(to_json(found_feed))
