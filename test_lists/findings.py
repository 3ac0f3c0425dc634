"""What the lint reports: one finding per problem, naming file, line, rule and value."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # physical line in the file, 1-based (the header is line 1)
    rule: str  # stable id, e.g. "invalid-url"; README "Test lists" lists them
    severity: Severity
    message: str  # what is wrong, in a volunteer's words; upstream's error name for upstream rules
    value: str = ""  # the offending value, verbatim
    hint: str = ""  # how to fix it, when we know

    def format(self) -> str:
        text = f"{self.path}:{self.line}: {self.severity} [{self.rule}] {self.message}"
        if self.value != "":
            text += f": {self.value!r}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def count(findings: list[Finding], severity: Severity) -> int:
    return sum(1 for finding in findings if finding.severity == severity)
