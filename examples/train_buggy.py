"""A small classifier trained the way many first scripts are written: it runs, the loss goes down,
and five silent bugs make its memory grow, its test score optimistic and its model worse.
Run `dllint examples/` to see them; `train_fixed.py` is the same script with each one fixed.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
features = torch.randn(1000, 20)
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).long()

# Standardised with statistics of the whole data set, test part included.
mean, std = features.mean(0), features.std(0)
features = (features - mean) / std
train_set, test_set = random_split(TensorDataset(features, labels), [800, 200])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
test_loader = DataLoader(test_set, batch_size=64)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-2)
criterion = nn.CrossEntropyLoss()


def evaluate(loader):
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            correct += (logits.argmax(dim=1) == y).sum().item()
    return correct / len(loader.dataset)


best_accuracy = 0.0
for epoch in range(10):
    running_loss = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(F.softmax(model(x), dim=1), y)
        loss.backward()
        optimizer.step()
        running_loss += loss
    accuracy = evaluate(test_loader)
    if accuracy > best_accuracy:
        best_accuracy = accuracy
        torch.save(model.state_dict(), "best.pt")
    print(f"epoch {epoch}: loss {running_loss / len(train_loader):.3f}, accuracy {accuracy:.3f}")
