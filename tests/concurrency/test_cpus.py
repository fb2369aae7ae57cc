"""Usable CPUs: affinity and cgroup quotas both cap the thread pool."""

from pathlib import Path

import pytest

from app.concurrency import cpus


@pytest.fixture
def cgroup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cpus, "CGROUP_ROOT", tmp_path)
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    return tmp_path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("max 100000", 8, id="unlimited"),
        pytest.param("200000 100000", 2, id="two-cpus"),
        pytest.param("150000 100000", 2, id="fraction-rounds-up"),
        pytest.param("50000 100000", 1, id="half-a-cpu"),
    ],
)
def test_cgroup_v2_quota(cgroup: Path, content: str, expected: int) -> None:
    (cgroup / "cpu.max").write_text(content + "\n")
    assert cpus.usable_cpus() == expected


def test_cgroup_v1_quota(cgroup: Path) -> None:
    (cgroup / "cpu").mkdir()
    (cgroup / "cpu" / "cpu.cfs_quota_us").write_text("300000\n")
    (cgroup / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpus.usable_cpus() == 3


def test_affinity_caps_without_cgroup(cgroup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: {3})
    assert cpus.usable_cpus() == 1
