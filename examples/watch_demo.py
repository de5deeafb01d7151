"""dlcheck on a small network with two planted problems: a layer whose ReLU units never fire
(its bias pushed far negative) and a parameter that never receives a gradient (a layer built but
never used in forward). Run: python examples/watch_demo.py
"""
import torch
import torch.nn as nn

import dlcheck


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(16, 32)
        self.act = nn.ReLU()
        self.head = nn.Linear(32, 2)
        self.unused = nn.Linear(32, 2)  # built, never called: its parameters get no gradient

    def forward(self, x):
        return self.head(self.act(self.hidden(x)))


torch.manual_seed(0)
model = Net()
with torch.no_grad():
    model.hidden.bias.fill_(-10.0)  # every unit of `act` stays below zero: dead ReLUs
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()

with dlcheck.watch(model, optimizer, on_problem="log") as watcher:
    for step in range(20):
        x, y = torch.randn(64, 16), torch.randint(0, 2, (64,))
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

print(watcher.report())
