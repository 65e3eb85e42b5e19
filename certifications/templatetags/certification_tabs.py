from django import template

from ..tabs import tabs_for

register = template.Library()


@register.inclusion_tag("certifications/_tabs.html")
def certification_tabs(certification, active: str = ""):
    return {"tabs": tabs_for(certification, active)}
