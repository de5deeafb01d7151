"""The HTML report of dlcheck on a small network trained until it breaks: the learning rate is
raised 25-fold at step 120 (a bad schedule): the gradients explode, the ReLU units die and
then no gradient flows at all. Run: python examples/report_demo.py [report.html]
"""
import sys

import torch
import torch.nn as nn

import dlcheck

torch.manual_seed(0)
model = nn.Sequential(
    nn.Linear(20, 64), nn.ReLU(),
    nn.Linear(64, 64), nn.ReLU(),
    nn.Linear(64, 1),
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
teacher = torch.randn(20, 1)

with dlcheck.watch(model, optimizer, history=True, on_problem="log") as watcher:
    for step in range(200):
        if step == 120:
            for group in optimizer.param_groups:
                group["lr"] = 0.25  # the planted bug: a 25-fold jump
        x = torch.randn(128, 20)
        y = torch.relu(x @ teacher) + 0.1 * torch.randn(128, 1)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()

print(watcher.report())
path = sys.argv[1] if len(sys.argv) > 1 else "report.html"
watcher.save_html(path)
print(f"wrote {path}")
