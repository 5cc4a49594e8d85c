"""The theme's gettext keeps each finished message (plugins/i18n/catalog.remembering_gettext):
it must give exactly what Jinja's own newstyle gettext gives, on the real catalogs, with and
without autoescape, with variables, a literal percent sign and text that needs escaping."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from plugins.i18n.catalog import gettext_callables, translations

TEMPLATE = (
    "{{ _('Termine filtern') }}|{{ gettext('Termine filtern') }}|{{ _('Termine in %(name)s', name=town) }}"
    "|{% trans %}Kommende Termine{% endtrans %}|{% trans label=town %}{{ label }} abonnieren{% endtrans %}"
    "|{{ _('100 %% regional') }}|{{ _('A <b> & B') }}|{{ _('Termine filtern') }}")


def jinja_own(language: str, autoescape: bool) -> Environment:
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    environment.install_gettext_translations(translations(language), newstyle=True)
    return environment


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_the_remembering_gettext_renders_what_jinjas_newstyle_gettext_renders(language, autoescape):
    reference = jinja_own(language, autoescape)
    ours = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    ours.install_null_translations(newstyle=True)  # replaced by the context's callables below
    variables = {"town": "Esslingen <am Neckar>"}
    expected = reference.from_string(TEMPLATE).render(variables)
    template = ours.from_string(TEMPLATE)
    for _ in range(2):  # the second render is served from what the first kept
        assert template.render({**variables, **gettext_callables(language)}) == expected
    if language == "en":
        assert expected.startswith("Filter events|Filter events|")  # the catalog was applied
    assert ("&lt;am Neckar&gt;" in expected) is autoescape


def test_a_literal_percent_sign_without_variables_fails_as_in_jinja():
    """Newstyle gettext always formats: a lone % is an error in both, not silently kept."""
    with pytest.raises(ValueError):
        jinja_own("de", True).from_string("{{ _('50 % mehr') }}").render()
    ours = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    with pytest.raises(ValueError):
        ours.from_string("{{ _('50 % mehr') }}").render(gettext_callables("de"))
