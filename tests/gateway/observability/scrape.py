"""Reading ``/metrics`` as Prometheus would: the exposition text, parsed."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["Samples", "scrape", "total"]

#: (sample name, sorted label pairs) -> value
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def scrape(client: httpx.AsyncClient, path: str = "/metrics") -> Samples:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        value
        for (sample, pairs), value in samples.items()
        if sample == name and _matches(dict(pairs), labels)
    )


def _matches(pairs: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(pairs.get(key) == value for key, value in wanted.items())


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(pairs)[label] for (sample, pairs) in samples if sample == name}
