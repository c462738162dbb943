"""The notebooks run (their quick versions, ``DCSIM_QUICK=1``), show their figures, keep their
outputs stripped in git, and state an answer consistent with their own table.

Each notebook is executed as Jupyter would, by a Jupyter kernel (nbclient and ipykernel, in
the ``notebooks`` and ``dev`` extras), from ``notebooks/``; a cell added at its end hands the
names the test checks back (pickled to a temporary file). The executed notebook's outputs
must hold its figures: an ``image/png`` output for each figure it draws.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FIGURES = {"outage_scenarios": 1, "peak_load": 1, "megapack_sizing": 1}
"""How many figures each notebook draws (``image/png`` outputs once executed)."""
HANDED_BACK = ("table", "windows", "ANSWER")


def cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]


def execute(name: str, monkeypatch, tmp_path: Path) -> dict:
    """Execute the notebook in a kernel; check its figures are in its outputs; return the
    names of :data:`HANDED_BACK` it defines."""
    monkeypatch.setenv("DCSIM_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    n_cells = len(nb.cells)
    handed = tmp_path / "names.pickle"
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import pickle as _p\n"
            f"_p.dump({{k: v for k, v in globals().items() if k in {HANDED_BACK!r}}},"
            f" open({str(handed)!r}, 'wb'))"
        )
    )
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    pngs = [
        i
        for i, cell in enumerate(nb.cells[:n_cells])
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(pngs) == FIGURES[name], f"{name}: figures in the outputs of cells {pngs}"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert not errors
    return pickle.loads(handed.read_bytes())


@pytest.mark.parametrize("name", ["outage_scenarios", "peak_load", "megapack_sizing"])
def test_notebook_outputs_are_stripped(name):
    for cell in cells(name):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == []
            assert cell["execution_count"] is None


def test_outage_scenarios(monkeypatch, tmp_path):
    ns = execute("outage_scenarios", monkeypatch, tmp_path)
    table = ns["table"]
    with_mp = table[table["megapacks"]]
    without = table[~table["megapacks"]]
    # Failures are off, so what rolls back is the outage's (at 2 h). An idle H100/H200 node (as
    # while it writes a checkpoint) draws (10,200 − 8·700) + 8·(93 + 115) = 6,264 W (DGX 10.2 kW
    # maximum less its GPUs at 700 W, facts §5; GPU idle and network from the catalog). With
    # the Megapacks' 150 MW the H100 job's 18,562 nodes can write (116.3 MW) and pause, but not
    # with the H200 job's 6,187 on top (155.0 MW before cooling): the H200 job is shed. A job
    # shed at 2 h loses the compute since its last checkpoint: (7,200 − 300 s restart) mod
    # (τ + 10 s write), 180 s for the H200 job (τ = 270 s), 100 s for the H100 job (τ = 160 s).
    idle_node_w = (10_200 - 8 * 700) + 8 * (93 + 115)
    assert 18_562 * idle_node_w < 150e6 < (18_562 + 6_187) * idle_node_w
    h200_lost_gpu_h = 49_496 * ((7_200 - 300) % (270 + 10)) / 3600  # 2,474.8
    h100_lost_gpu_h = 148_496 * ((7_200 - 300) % (160 + 10)) / 3600  # 4,124.9
    assert with_mp["rolled_back_gpu_h"].to_list() == pytest.approx([h200_lost_gpu_h] * 2)
    assert (with_mp["pauses"] == 1).all()
    assert without["rolled_back_gpu_h"].to_list() == pytest.approx(
        [h200_lost_gpu_h + h100_lost_gpu_h] * 2
    )
    # Either way the outage costs progress, less with the Megapacks.
    assert (with_mp["progress_lost_gpu_h"] > 0).all()
    lost_with = with_mp.set_index("outage_h")["progress_lost_gpu_h"]
    lost_without = without.set_index("outage_h")["progress_lost_gpu_h"]
    assert (lost_with < lost_without).all()
    assert (table["turbine_starts"] > 0).all()
    assert ns["ANSWER"].startswith("With the Megapacks")


def test_peak_load(monkeypatch, tmp_path):
    ns = execute("peak_load", monkeypatch, tmp_path)
    table, windows = ns["table"], ns["windows"]
    assert len(windows) >= 1
    # The cuts cannot raise goodput, and the battery works in the windows.
    assert table.loc["goodput_gpu_h", "Elliott cuts"] <= table.loc["goodput_gpu_h", "no cuts"]
    assert windows["battery_discharge_mwh"].sum() > 0
    assert "cut windows" in ns["ANSWER"]
    # The demand charge is the whole month's (demand_billing: month): the billed peak [kW] ×
    # 10.99 USD/kW-month (the preset's Ripley TDGSA rate, facts.md §11).
    for case in table.columns:
        assert table.loc["demand_usd", case] == pytest.approx(
            table.loc["billed_peak_mw", case] * 1000 * 10.99, rel=1e-12
        )
    # Under the month's running peak the recharge keeps the import at or below the largest
    # import without the cuts (the same load, less import in the windows); at full power it
    # bills more than that: the load plus the charge power.
    under, full = table["Elliott cuts"], table["cuts, full-power recharge"]
    assert under["billed_peak_mw"] <= table.loc["grid_peak_mw", "no cuts"] * (1 + 1e-12)
    assert full["billed_peak_mw"] > table.loc["grid_peak_mw", "no cuts"]
    assert full["demand_usd"] > under["demand_usd"]
    assert "at full power it would bill" in ns["ANSWER"]


def test_megapack_sizing(monkeypatch, tmp_path):
    """Hand checks: a run that does not ride through has emptied its battery — it gave the
    usable energy (1 − soc_min = 0.95 of it) × the discharge efficiency at the bus — √0.920 for
    the preset's 2-hour Megapack 2 XL units (92.0 % round trip, Tesla datasheet, facts.md §14);
    a battery with less power than the load falls short at once; one that rides through
    leaves nothing unserved."""
    ns = execute("megapack_sizing", monkeypatch, tmp_path)
    table = ns["table"]
    for r in table.itertuples():
        if r.rides_through:
            assert r.unserved_mwh == 0.0
            assert r.carried_h == 4.0
        else:
            assert r.battery_out_mwh == pytest.approx(
                r.storage_gwh * 1000 * 0.95 * 0.920**0.5, rel=1e-4
            )
            assert r.carried_h < 4.0
        if r.battery_mw < 0.9 * r.mean_load_mw:
            assert r.carried_h == 0.0
    assert not table.loc[table["storage_gwh"] == 3.6, "rides_through"].any()
    assert ns["ANSWER"].startswith("No.")
