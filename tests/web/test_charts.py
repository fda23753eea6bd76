"""The weekly report's SVG charts: well-formed, accessible, and drawing what they are given."""

import itertools
import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.web.charts import (
    PALETTE,
    Series,
    bar_chart,
    contrast,
    heat_map,
    line_chart,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
WEEKS = [f"2026-W{n:02d}" for n in range(1, 9)]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HOURS = [f"{h:02d}" for h in range(24)]


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def _all(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{{{NS['svg']}}}{tag}") if cls in e.get("class", "").split()]


def _ticks(root: ET.Element) -> list[float]:
    return [float(e.text.replace(",", ".")) for e in _all(root, "text", "tick")]


def _assert_accessible(root: ET.Element, title: str) -> str:
    """role=img, labelled by its own <title> and <desc>; returns the description."""
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert by_id[title_id].tag == f"{{{NS['svg']}}}title"
    assert by_id[title_id].text == title
    assert by_id[desc_id].tag == f"{{{NS['svg']}}}desc"
    assert by_id[desc_id].text
    return by_id[desc_id].text


def _trend(**changes):
    arguments = {
        "title": "Received calls",
        "x_labels": WEEKS,
        "series": [
            Series("Received", [120, 135, None, 150, 142, 160, 158, 149]),
            Series("Answered", [110, 120, 118, 140, 130, 150, 150, 140]),
        ],
        "y_unit": "calls",
    }
    return line_chart(**{**arguments, **changes})


def test_a_line_chart_has_a_point_per_value_and_a_line_per_unbroken_stretch():
    root = _parse(_trend())
    received, answered = _all(root, "g", "series")
    assert len(_all(received, "circle", "point")) == 7
    assert len(_all(answered, "circle", "point")) == 8
    # The gap in week 3 splits the received line in two; answered is one line.
    stretches = [e.get("d").count(" L ") + 1 for e in _all(received, "path", "line")]
    assert stretches == [2, 5]
    assert len(_all(answered, "path", "line")) == 1
    titles = [e.find("svg:title", NS).text for e in _all(received, "circle", "point")]
    assert "2026-W03: Received" not in " ".join(titles)
    assert titles[0] == "2026-W01: Received 120 calls"


def test_a_gap_is_named_in_the_description():
    description = _assert_accessible(_parse(_trend()), "Received calls")
    assert "No data for 2026-W03" in description
    assert "highest 160 calls (2026-W06)" in description


def test_the_y_axis_covers_the_data_in_round_steps():
    root = _parse(_trend(series=[Series("Received", [3, 1234, 17])], x_labels=WEEKS[:3]))
    ticks = _ticks(root)
    assert ticks[0] == 0 and ticks[-1] >= 1234
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    (step,) = steps
    assert step / 10 ** math.floor(math.log10(step)) in {1, 2, 2.5, 5}


def test_a_percentage_axis_runs_to_its_maximum_unless_the_data_goes_beyond():
    level = [Series("Service level", [80.5, 91.2, 77.0])]
    ticks = _ticks(_parse(_trend(series=level, x_labels=WEEKS[:3], y_unit="%", y_max=100)))
    assert ticks == [0, 20, 40, 60, 80, 100]
    over = [Series("Abandoned", [5.0, 130.0, 2.5])]
    ticks = _ticks(_parse(_trend(series=over, x_labels=WEEKS[:3], y_unit="%", y_max=100)))
    assert ticks[-1] >= 130


def test_a_higher_value_is_drawn_higher():
    root = _parse(_trend(series=[Series("Received", [10, 20, 30])], x_labels=WEEKS[:3]))
    heights = [float(e.get("cy")) for e in _all(root, "circle", "point")]
    assert heights == sorted(heights, reverse=True)
    assert len(set(heights)) == 3


def test_all_zero_figures_draw_a_flat_line_on_a_whole_number_axis():
    root = _parse(_trend(series=[Series("Received", [0, 0, 0])], x_labels=WEEKS[:3]))
    assert _ticks(root) == [0, 1]
    assert len({e.get("cy") for e in _all(root, "circle", "point")}) == 1


@pytest.mark.parametrize(
    "chart",
    [
        lambda: line_chart(title="Trend", x_labels=[], series=[], y_unit="calls"),
        lambda: line_chart(
            title="Trend", x_labels=WEEKS, series=[Series("x", [None] * 8)], y_unit=""
        ),
        lambda: bar_chart(title="Advisers", labels=HOURS, series=[]),
        lambda: heat_map(title="Arrivals", row_labels=DAYS, col_labels=HOURS, values=[]),
        lambda: heat_map(title="Arrivals", row_labels=[], col_labels=[], values=[]),
    ],
)
def test_no_data_is_a_valid_chart_that_says_so(chart):
    root = _parse(chart())
    assert _assert_accessible(root, root.find("svg:title", NS).text) == "No data"
    assert [e.text for e in _all(root, "text", "no-data")] == ["No data"]
    assert not _all(root, "circle", "point") and not _all(root, "rect", "bar")


def test_no_data_in_danish():
    svg = line_chart(title="Udvikling", x_labels=[], series=[], y_unit="", lang="da")
    assert [e.text for e in _all(_parse(svg), "text", "no-data")] == ["Ingen data"]


def test_danish_figures_have_a_decimal_comma():
    svg = _trend(
        series=[Series("Serviceniveau", [80.5])], x_labels=WEEKS[:1], y_unit="%", lang="da"
    )
    root = _parse(svg)
    point = _all(root, "circle", "point")[0]
    assert point.find("svg:title", NS).text == "2026-W01: Serviceniveau 80,5 %"
    assert "højest 80,5 %" in _assert_accessible(root, "Received calls")


def test_text_is_escaped_and_stays_text():
    hostile = "<script>alert('x')</script> & \"q\""
    svg = _trend(
        title=hostile,
        x_labels=[hostile, "b"],
        series=[Series(hostile, [1, 2])],
        y_unit=hostile,
    )
    assert "<script>" not in svg
    root = _parse(svg)
    assert not list(root.iter("script")) and not list(root.iter(f"{{{NS['svg']}}}script"))
    assert _assert_accessible(root, hostile).startswith(hostile)
    assert hostile in [e.text for e in root.iter(f"{{{NS['svg']}}}text")]


def test_the_same_input_gives_the_same_string_and_another_chart_other_ids():
    assert _trend() == _trend()
    first = _parse(_trend()).get("aria-labelledby")
    other = _parse(_trend(title="Answered calls")).get("aria-labelledby")
    assert first != other
    chosen = _parse(_trend(chart_id="trend received")).get("aria-labelledby")
    assert chosen == "chart-trend-received-title chart-trend-received-desc"


def test_the_series_colours_are_readable_on_white():
    assert all(contrast(colour, "#ffffff") >= 4.5 for colour in PALETTE)


def test_series_differ_by_dash_as_well_as_colour():
    series = [Series(f"s{i}", [1, 2]) for i in range(3)]
    root = _parse(_trend(series=series, x_labels=WEEKS[:2]))
    lines = _all(root, "path", "line")
    assert len({line.get("stroke") for line in lines}) == 3
    assert len({line.get("stroke-dasharray") for line in lines}) == 3


def _needed_and_logged_in():
    return bar_chart(
        title="Advisers per hour",
        labels=HOURS[8:16],
        series=[
            Series("Needed (Erlang C)", [2, 3, 4, 4, 3, None, 2, 1]),
            Series("Logged in", [2, 2, 4, 5, 3, 3, 0, 1]),
        ],
        y_unit="advisers",
    )


def test_a_bar_chart_has_a_bar_per_value_side_by_side():
    root = _parse(_needed_and_logged_in())
    needed, logged_in = _all(root, "g", "series")
    assert len(_all(needed, "rect", "bar")) == 7
    assert len(_all(logged_in, "rect", "bar")) == 8
    first_needed = _all(needed, "rect", "bar")[0]
    first_logged = _all(logged_in, "rect", "bar")[0]
    assert float(first_needed.get("x")) < float(first_logged.get("x"))
    assert first_needed.find("svg:title", NS).text == "08: Needed (Erlang C) 2 advisers"
    # A zero is a bar of no height, not a gap; the axis still starts at zero.
    zero = _all(logged_in, "rect", "bar")[6]
    assert float(zero.get("height")) == 0
    assert _ticks(root)[0] == 0 and _ticks(root)[-1] >= 5


def test_bar_heights_are_proportional():
    root = _parse(bar_chart(title="t", labels=["a", "b"], series=[Series("s", [2, 4])]))
    low, high = (float(e.get("height")) for e in _all(root, "rect", "bar"))
    assert high == pytest.approx(2 * low, abs=0.2)


def _arrivals():
    values = [[(d * 24 + h) % 17 if 8 <= h < 16 else 0 for h in range(24)] for d in range(7)]
    values[6] = [None] * 24  # Sunday: closed, no figures
    return values


def test_a_heat_map_has_a_cell_per_weekday_and_hour_each_with_its_value():
    root = _parse(heat_map(title="Arrivals", row_labels=DAYS, col_labels=HOURS, values=_arrivals()))
    cells = _all(root, "rect", "cell")
    assert len(cells) == 7 * 24
    assert cells[9].find("svg:title", NS).text == "Mon 09: 9"
    gaps = _all(root, "rect", "gap")
    assert len(gaps) == 24
    assert gaps[0].find("svg:title", NS).text == "Sun 00: no data"


def test_a_heat_map_shades_higher_values_darker_and_writes_readable_numbers():
    values = [[0, 5, 10]]
    root = _parse(
        heat_map(title="t", row_labels=["Mon"], col_labels=["a", "b", "c"], values=values)
    )
    fills = [e.get("fill") for e in _all(root, "rect", "cell")]
    whites = [contrast(fill, "#ffffff") for fill in fills]
    assert whites == sorted(whites) and len(set(whites)) == 3
    numbers = _all(root, "text", "cell-value")
    assert [e.text for e in numbers] == ["0", "5", "10"]
    for fill, number in zip(fills, numbers, strict=True):
        assert contrast(fill, number.get("fill")) >= 4.5


def test_an_all_zero_heat_map_divides_by_nothing():
    root = _parse(heat_map(title="t", row_labels=DAYS, col_labels=HOURS, values=[[0] * 24] * 7))
    assert len({e.get("fill") for e in _all(root, "rect", "cell")}) == 1
    assert "total 0" in _assert_accessible(root, "t")


def test_a_ragged_heat_map_is_padded_with_gaps():
    root = _parse(heat_map(title="t", row_labels=DAYS[:2], col_labels=HOURS[:3], values=[[1]]))
    assert len(_all(root, "rect", "cell")) == 6
    assert len(_all(root, "rect", "gap")) == 5


labels = st.lists(st.text(max_size=12), max_size=10)
figures = st.one_of(st.none(), st.integers(-(10**13), 10**13), st.floats())


@given(
    title=st.text(),
    x_labels=labels,
    series=st.lists(st.builds(Series, st.text(), st.lists(figures, max_size=12)), max_size=8),
    y_unit=st.text(max_size=5),
    y_max=st.one_of(st.none(), st.floats()),
    lang=st.sampled_from(["en", "da", "xx"]),
)
def test_any_line_or_bar_chart_is_well_formed(title, x_labels, series, y_unit, y_max, lang):
    for svg in (
        line_chart(
            title=title, x_labels=x_labels, series=series, y_unit=y_unit, y_max=y_max, lang=lang
        ),
        bar_chart(title=title, labels=x_labels, series=series, y_unit=y_unit, lang=lang),
    ):
        root = _parse(svg)
        assert root.get("role") == "img"
        assert svg == svg.replace("\x00", "")


@given(
    title=st.text(),
    rows=labels,
    cols=labels,
    values=st.lists(st.lists(st.one_of(st.none(), st.integers(-(10**13), 10**13)), max_size=26)),
)
def test_any_heat_map_is_well_formed(title, rows, cols, values):
    root = _parse(heat_map(title=title, row_labels=rows, col_labels=cols, values=values))
    assert root.get("role") == "img"
