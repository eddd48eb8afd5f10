"""Print the mutation score of each rule module from the last `mutmut run` (``make mutation``).

Reads ``mutmut results --all true`` (one ``module.function__mutmut_N: status`` line per mutant) and prints,
per module, how many mutants were killed of those checked, with the survivors' names, so the figures can be
quoted as they are. Exits non-zero when a module is under the target or a transition or segregation-of-duties
rule has a survivor.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

TARGET = 0.90
# Functions where no mutant may survive: the status machine's moves and who may sign off or decide.
NO_SURVIVOR = (
    "tracker.actions.states.x_check_transition",
    "tracker.actions.states.x_allowed_transitions",
    "tracker.actions.rules.x_sign_off_refusal",
    "tracker.actions.rules.x_decision_outcome",
    "tracker.permissions.x_can_review_action",
    "tracker.permissions.x_can_close_action",
    "tracker.permissions.x_can_work_on_action",
    "tracker.permissions.x_party_for",
    "tracker.permissions.x_allowed_moves",
    "tracker.permissions.x_can_decide_exercise_item",
    "tracker.assurance.exercise_rules.x_answer_can_change",
    "tracker.assurance.exercise_rules.x_decision_problem",
    "tracker.assurance.exercise_rules.x_return_can_be_submitted",
)
KILLED = {"killed", "timeout", "segfault"}


def main() -> int:
    mutmut = Path(sys.executable).with_name("mutmut")
    command = [str(mutmut), "results", "--all", "true"]  # fixed arguments, nothing from outside
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: dict[str, list[str]] = defaultdict(list)
    for line in out.splitlines():
        found = re.match(r"\s*(\S+)__mutmut_\d+: (.+)$", line)
        if not found:
            continue
        name, status = found.group(1), found.group(2).strip()
        module = re.split(r"\.x_|\.xǁ", name)[0]
        counts[module][status] += 1
        if status == "survived":
            survivors[module].append(line.strip().split(":")[0])
    failed = False
    print(f"{'module':36} {'killed':>7} {'checked':>8} {'score':>7}  (other: not checked, skipped, no tests)")
    for module in sorted(counts):
        by = counts[module]
        killed = sum(n for s, n in by.items() if s in KILLED)
        checked = killed + by["survived"]
        score = killed / checked if checked else 0.0
        other = {s: n for s, n in by.items() if s not in KILLED | {"survived"}}
        print(f"{module:36} {killed:>7} {checked:>8} {score:>7.1%}  {other or ''}")
        failed |= score < TARGET
    for module, names in sorted(survivors.items()):
        print(f"\nSurvivors in {module}:")
        for name in names:
            strict = name.startswith(NO_SURVIVOR)
            failed |= strict
            print(f"  {name}{'   <- a transition or segregation-of-duties rule' if strict else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
