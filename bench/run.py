"""Run every benchmark and print one ratio line each: ``python -m bench.run``."""

from __future__ import annotations

import asyncio
import logging

from bench import bench_events, bench_fanout, bench_query, bench_subscriptions, bench_tokens
from bench.common import Result

SUITES = (bench_tokens, bench_fanout, bench_events, bench_query, bench_subscriptions)


async def main() -> list[Result]:
    results: list[Result] = []
    for suite in SUITES:
        results.extend(await suite.bench())
    return results


if __name__ == "__main__":
    logging.disable(logging.INFO)
    for result in asyncio.run(main()):
        print(result.line())
