"""The `{% cache %}` tag of our templates: a body is rendered once per key and build."""

from __future__ import annotations

import jinja2

from site_builder.i18n import FragmentCache


def test_cache_renders_a_body_once_per_key():
    env = jinja2.Environment(extensions=[FragmentCache], autoescape=True)
    template = env.from_string("{% cache 'nav', section %}<b>{{ section }} {{ extra }}</b>{% endcache %}")
    assert template.render(section="stories", extra="first") == "<b>stories first</b>"
    assert template.render(section="stories", extra="second") == "<b>stories first</b>"  # same key: kept
    assert template.render(section="timeline", extra="third") == "<b>timeline third</b>"
    assert template.render(section="<i>", extra="") == "<b>&lt;i&gt; </b>"  # still escaped


def test_each_environment_has_its_own_cache():
    """One Environment per language and build: no fragment crosses languages or builds."""
    source = "{% cache 'k' %}{{ word }}{% endcache %}"
    first = jinja2.Environment(extensions=[FragmentCache]).from_string(source)
    second = jinja2.Environment(extensions=[FragmentCache]).from_string(source)
    assert first.render(word="en") == "en"
    assert second.render(word="zh") == "zh"


def test_quicker_calls_still_pass_the_context_where_asked():
    """PageTemplateContext.call remembers which functions take no context; those marked
    with pass_context still get it, and built-ins, methods and macros are called as usual."""
    from site_builder.i18n import PageTemplateContext

    env = jinja2.Environment()
    env.context_class = PageTemplateContext
    env.extend(plain_calls={})

    @jinja2.pass_context
    def who(context):
        return context["name"]

    class Thing:
        def plus(self, n):
            return n + 1

    source = ("{{ who() }} {{ twice(2) }} {{ thing.plus(1) }} {% set xs = [] %}{% set _ = xs.append(3) %}{{ xs }} "
              "{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m(5) }} {% for i in [1] %}{{ who() }}{{ twice(i) }}{% endfor %}")
    for _ in range(2):  # the second time from what was remembered
        assert env.from_string(source).render(who=who, name="N", twice=lambda x: x * 2, thing=Thing()) == "N 4 2 [3] [5] N2"
