"""The `{% cache %}` tag of our templates: a body is rendered once per key and build."""

from __future__ import annotations

import jinja2

from site_builder.render import FragmentCache


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
