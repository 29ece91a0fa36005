"""A host driving shared runs, as a process (the claim race of test_claims.py).

Usage: claim_host.py DB URI PLAYBOOK_DIR [PLAYBOOK]. Reads commands on stdin, one a line:
``prep RUN`` reopens run RUN (its engine claims through the share table) and prints
``ready RUN``; ``go RUN`` runs its current step and prints ``done RUN <state>`` or
``refused RUN <the engine's one line>``. The AWS endpoint is the environment's.
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cockpit.content.playbooks import find_playbook  # noqa: E402
from cockpit.engine import Engine, EngineError, HeadlessOperator, Policy, Runtime  # noqa: E402
from cockpit.share.claims import claims_for  # noqa: E402
from cockpit.timeline.aio import AsyncTimeline  # noqa: E402

db, uri, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
playbook_id = sys.argv[4] if len(sys.argv) > 4 else "claim-race"


async def main() -> None:
    actor = "host@" + Path(db).stem
    tl = AsyncTimeline(db, actor)
    await tl.open()
    playbook = find_playbook(playbook_id, [folder])
    node = await tl.call(tl.sync.node)
    engines: dict[str, Engine] = {}
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        verb, run_id = line.split()
        if verb == "prep":
            run = await tl.call(tl.sync.run, run_id)
            engines[run_id] = await Engine.resume(
                playbook, tl, run_id, dict(run.params), operator=HeadlessOperator(yes=True, approver=actor), policy=Policy(),
                runtime=Runtime(), claims=claims_for(uri, run.incident_id, node, actor))
            print(f"ready {run_id}", flush=True)
        else:
            try:
                state = await engines[run_id].run_next()
                print(f"done {run_id} {state}", flush=True)
            except EngineError as exc:
                print(f"refused {run_id} {exc}", flush=True)
    await tl.close()


asyncio.run(main())
