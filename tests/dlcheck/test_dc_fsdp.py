"""torch.distributed with fully_shard (FSDP2) and DDP: 2 gloo processes on CPU.

Sharded gradients are DTensors, each rank holding a shard: dlcheck must judge the whole gradient
(its norm over all ranks), report what every rank sees alike once, on rank 0, and leave training
unchanged. Under DDP, replicas that drift apart are found (DC701)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap

import pytest

WORKER = textwrap.dedent('''
    import json, os, sys, warnings
    import torch, torch.distributed as dist
    from torch import nn
    from torch.distributed.fsdp import fully_shard
    from torch.nn.parallel import DistributedDataParallel as DDP
    import dlcheck
    from dlcheck.hookspecs import hookimpl

    class BadGrad(torch.autograd.Function):
        """Identity forward; a NaN gradient backward when ``bad`` (one rank's backward only)."""
        @staticmethod
        def forward(ctx, x, bad):
            ctx.bad = bad
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return (g * float("nan") if ctx.bad else g), None

    class Net(nn.Module):
        def __init__(self, unused=False, dead=False):
            super().__init__()
            self.a, self.act, self.b = nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1)
            self.unused = nn.Linear(4, 4) if unused else None
            if dead:
                with torch.no_grad():
                    self.a.bias.fill_(-100.0)
            self.bad = False

        def forward(self, x):
            h = self.act(self.a(x))
            return self.b(BadGrad.apply(h, self.bad))

    def sharded(**kw):
        torch.manual_seed(0)
        model = Net(**kw)
        fully_shard(model.a)
        fully_shard(model.b)
        fully_shard(model)
        return model

    class Norms:
        """A plugin that keeps the per-parameter gradient norms dlcheck computed."""
        def __init__(self):
            self.seen = []
        @hookimpl
        def dlcheck_after_backward(self, watch, grads):
            self.seen.append(dict(zip(grads.names, [float(n) for n in grads.norms])))

    def train(model, xs, watch=False, **kw):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        w = dlcheck.watch(model, opt, on_problem="log", **kw) if watch else None
        refs = []
        for x in xs:
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            refs.append({n: float(p.grad.full_tensor().norm()) for n, p in
                         model.named_parameters() if p.grad is not None})
            opt.step()
        return (w.close() if w else None), refs

    def full(model):
        return [p.full_tensor().detach().clone() for p in model.parameters()]

    def run(rank, world, port, out):
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
        dist.init_process_group("gloo", rank=rank, world_size=world)
        warnings.simplefilter("ignore")
        r = {}
        torch.manual_seed(100 + rank)
        xs = [torch.randn(8, 4) for _ in range(3)]
        # 1. fully_shard training is unchanged by the watcher, and healthy
        plain = sharded()
        train(plain, xs)
        watched = sharded()
        norms = Norms()
        report, refs = train(watched, xs, watch=True, plugins=[norms])
        r["identical"] = all(torch.equal(a, b) for a, b in zip(full(plain), full(watched)))
        r["healthy"] = report.codes()
        # 2. the norms are those of the whole gradients, not of this rank's shard
        r["norms"] = norms.seen
        r["refs"] = refs
        # 3. a NaN gradient made by rank 1's backward only: reported once, by rank 0
        model = sharded()
        model.bad = rank == 1
        report, _ = train(model, xs[:1], watch=True)
        r["nan_grad"] = report.to_dict()["problems"]
        # 4. a parameter that never gets a gradient; 5. dead units
        report, _ = train(sharded(unused=True), xs[:1], watch=True)
        r["unused"] = report.to_dict()["problems"]
        report, _ = train(sharded(dead=True), xs[:2], watch=True,
                          checks={"dead_units": {"window": 2}})
        r["dead"] = report.codes()
        # 6. a NaN in rank 1's data: that rank's own forward tells, with its rank
        bad = [x.clone() for x in xs[:1]]
        if rank == 1:
            bad[0][0, 0] = float("nan")
        report, _ = train(sharded(), bad, watch=True, checks=["nonfinite"])
        r["nan_data"] = report.to_dict()["problems"]
        # 7. DDP replicas: healthy, then one rank edits its copy
        for name, edit in (("ddp_healthy", False), ("ddp_drift", True)):
            torch.manual_seed(0)
            model = DDP(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            with dlcheck.watch(model, opt, on_problem="log",
                               checks={"replicas": {"interval": 2}}) as w:
                for i, x in enumerate(xs * 2):
                    opt.zero_grad()
                    model(x).pow(2).mean().backward()
                    opt.step()
                    if edit and i == 0 and rank == 1:
                        with torch.no_grad():
                            model.module[2].weight[0, 0] += 1e-3
            r[name] = w.report().to_dict()["problems"]
        with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
            json.dump(r, f)
        dist.destroy_process_group()

    if __name__ == "__main__":
        run(int(sys.argv[1]), 2, int(sys.argv[2]), sys.argv[3])
        sys.stderr.flush()
        os._exit(0)  # see test_dc_ddp.py: gloo's threads may race the interpreter's teardown
''')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fsdp")
    script = tmp / "worker.py"
    script.write_text(WORKER)
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, str(script), str(rank), port, str(tmp)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in (0, 1)]
    try:
        errors = [p.communicate(timeout=240)[1] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(e[-3000:] for e in errors)
    return [json.loads((tmp / f"rank{r}.json").read_text()) for r in (0, 1)]


def _codes(problems, code):
    return [p for p in problems if p["code"] == code]


@pytest.mark.slow
def test_fully_shard_training_is_unchanged_and_healthy(ranks):
    for r in ranks:
        assert r["identical"]
        assert r["healthy"] == []


@pytest.mark.slow
def test_fully_shard_gradient_norms_are_over_all_shards(ranks):
    for r in ranks:
        assert len(r["norms"]) == len(r["refs"]) == 3
        for seen, ref in zip(r["norms"], r["refs"]):
            assert seen.keys() == ref.keys() and ref
            for name, value in ref.items():
                assert seen[name] == pytest.approx(value, rel=1e-5, abs=1e-8), name
    # the two ranks agree: the norms are global, not each rank's shard's
    for a, b in zip(ranks[0]["norms"], ranks[1]["norms"]):
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-6), k


@pytest.mark.slow
def test_fully_shard_shared_problems_are_told_once_on_rank_0(ranks):
    r0, r1 = ranks
    grad0 = [p for p in _codes(r0["nan_grad"], "DC203") if "gradient" in p["message"]]
    assert grad0 and grad0[0]["rank"] == 0
    assert not _codes(r1["nan_grad"], "DC203")
    unused0 = _codes(r0["unused"], "DC102")
    assert unused0 and {p["module"] for p in unused0} == {"unused.weight", "unused.bias"}
    assert not _codes(r1["unused"], "DC102")
    assert r0["dead"] == ["DC401"] and r1["dead"] == []


@pytest.mark.slow
def test_fully_shard_rank_local_problem_is_told_by_its_rank(ranks):
    r0, r1 = ranks
    fwd1 = [p for p in _codes(r1["nan_data"], "DC203") if "gradient" not in p["message"]]
    assert fwd1 and fwd1[0]["rank"] == 1 and "input to the model" in fwd1[0]["message"]
    assert not [p for p in _codes(r0["nan_data"], "DC203") if "gradient" not in p["message"]]


@pytest.mark.slow
def test_ddp_replicas_drift(ranks):
    r0, r1 = ranks
    assert not _codes(r0["ddp_healthy"], "DC701") and not _codes(r1["ddp_healthy"], "DC701")
    drift = _codes(r0["ddp_drift"], "DC701")
    assert drift and drift[0]["data"]["parameters"] == ["2.weight"]
    assert drift[0]["step"] == 2  # the first check after the edit (interval 2)
    assert not _codes(r1["ddp_drift"], "DC701")


@pytest.mark.parametrize("opts, bad", [({"interval": 0}, "interval"), ({"rtol": -1.0}, "rtol")])
def test_replicas_options_are_validated(opts, bad):
    import torch
    import dlcheck
    model = torch.nn.Linear(2, 1)
    with pytest.raises(ValueError, match=bad):
        dlcheck.watch(model, checks={"replicas": opts})
