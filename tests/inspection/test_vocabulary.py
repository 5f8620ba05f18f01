"""One vocabulary: the model choices, the API and the templates say what `scoring` says."""

import typing

import pytest
from django.template import Context, Template
from django.utils import translation

import scoring
from inspection import models
from inspection.api.inspections import FindingIn
from inspection.services.inspections import SEVERITY_HELP


@pytest.mark.parametrize(
    ("choices", "vocabulary"),
    [(models.Severity, scoring.Severity), (models.Level, scoring.Level), (models.NoticeKind, scoring.NoticeKind)],
)
def test_model_choices_are_the_scoring_enum_with_its_labels(choices, vocabulary):
    assert choices.choices == [(m.value, m.label) for m in vocabulary]
    assert [c.name for c in choices] == [m.name for m in vocabulary]


def test_every_labelled_member_has_a_label_but_no_light():
    for vocabulary in (scoring.Severity, scoring.Level, scoring.NoticeKind):
        assert all(m.label for m in vocabulary)
    assert scoring.Light.NONE.label == ""
    assert [scoring.Light.YELLOW.label, scoring.Light.RED.label] == ["黄灯", "红灯"]


def test_the_api_accepts_exactly_the_scoring_severities():
    annotation = FindingIn.model_fields["severity"].annotation
    literal = next(a for a in typing.get_args(annotation) if typing.get_origin(a) is typing.Literal)
    assert typing.get_args(literal) == ("minor", "major", "critical")


def test_the_finding_message_lists_each_severity_with_its_label():
    assert SEVERITY_HELP == "minor 一般 / major 较重 / critical 严重"


def test_the_label_filter_reads_the_table_and_translates_it():
    template = Template('{% load vocabulary %}{{ s|label:"severity" }}|{{ l|label:"light" }}|{{ x|label:"level" }}')
    context = Context({"s": "critical", "l": "", "x": "summons"})
    assert template.render(context) == "严重||约谈预警"
    with translation.override("en"):
        assert template.render(context).startswith("Critical|")
