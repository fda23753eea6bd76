"""Routing rules as data: each line's strategy and where its calls may overflow to."""

from sqlmodel import Session, col, select

from service.errors import FieldProblem, ValidationFailed
from service.routing.models import (
    LineRouting,
    LineRoutingPublic,
    OverflowRule,
    OverflowRulePublic,
    RoutingRule,
    Strategy,
)
from service.taxonomy import service as taxonomy_service
from service.taxonomy.models import Line


def get_rules(*, session: Session) -> list[LineRoutingPublic]:
    """Return the routing rules of every line."""
    strategies = {rule.line: rule.strategy for rule in session.exec(select(RoutingRule)).all()}
    overflow = session.exec(select(OverflowRule).order_by(col(OverflowRule.to_line))).all()
    lines = session.exec(select(Line.code).order_by(col(Line.sort_order), col(Line.code))).all()
    return [
        LineRoutingPublic(
            line=line,
            strategy=Strategy(strategies.get(line, Strategy.longest_idle)),
            overflow=[
                OverflowRulePublic(to_line=rule.to_line, after_s=rule.after_s)
                for rule in overflow
                if rule.from_line == line
            ],
        )
        for line in lines
    ]


def set_rules(*, session: Session, line: str, rules: LineRouting) -> LineRoutingPublic:
    """Replace one line's strategy and overflow rules."""
    problems = taxonomy_service.code_problems(
        session=session, list_name="line", field="line", codes=[line], location="path"
    )
    targets = [rule.to_line for rule in rules.overflow]
    problems += taxonomy_service.code_problems(
        session=session, list_name="line", field="overflow.to_line", codes=targets
    )
    if line in targets:
        problems.append(
            FieldProblem(field="overflow.to_line", reason="a line cannot overflow to itself")
        )
    if len(set(targets)) != len(targets):
        problems.append(FieldProblem(field="overflow.to_line", reason="a line is listed twice"))
    if problems:
        raise ValidationFailed(problems)

    rule = session.get(RoutingRule, line) or RoutingRule(line=line)
    rule.strategy = rules.strategy
    session.add(rule)
    for old in session.exec(select(OverflowRule).where(OverflowRule.from_line == line)).all():
        session.delete(old)
    session.flush()
    for overflow in rules.overflow:
        session.add(
            OverflowRule(from_line=line, to_line=overflow.to_line, after_s=overflow.after_s)
        )
    session.commit()
    return next(r for r in get_rules(session=session) if r.line == line)
