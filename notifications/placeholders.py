"""The placeholders of a message's subject and body: which exist, refusing others, and rendering (DOMAIN §9)."""

import string

PLACEHOLDERS: dict[str, str] = {
    "learner_fullname": "The learner's full name",
    "certification_fullname": "The certification's full name",
    "due_date": "The learner's due date",
    "expiry_date": "The learner's expiry date",
    "window_opens": "When the learner's recertification window opens",
    "group_name": "The name of the group the learner enrolled in, if any",
    "certification_url": "The address of the certification's page",
    "site_name": "The name of this site",
}


def text_problems(text: str) -> list[str]:
    """Messages naming what is wrong with a subject or body: unknown placeholders, stray braces."""
    try:
        parts = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)]
    except ValueError:
        return ["A brace is not closed: write placeholders as {learner_fullname}, and a literal brace as {{ or }}."]
    parts = [part for part in parts if part[0] is not None]
    problems = []
    for name in dict.fromkeys(name for name, _, _ in parts):
        if name == "":
            problems.append("An empty placeholder {} is not known: choose one from the list.")
        elif name not in PLACEHOLDERS:
            problems.append(f"Unknown placeholder {{{name}}}: choose one from the list.")
    if any(spec or conversion for _, spec, conversion in parts):
        problems.append("Placeholders take no format: write them as {due_date}.")
    return problems


def render(text: str, values: dict[str, str]) -> str:
    """The text with its placeholders filled; a placeholder without a value stays empty."""
    return text.format_map({name: values.get(name, "") for name in PLACEHOLDERS})
