"""The fixed twin of `train_buggy.py`: split first and fit statistics on the training part only,
select the checkpoint on validation data, evaluate in eval mode without building graphs, keep the
running loss as a number, decouple weight decay, and give the loss raw logits.
"""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features = torch.randn(1000, 20)
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).long()

# Split first; the statistics come from the training part alone and are applied to every part.
train_x, val_x, test_x = features[:700], features[700:850], features[850:]
train_y, val_y, test_y = labels[:700], labels[700:850], labels[850:]
mean, std = train_x.mean(0), train_x.std(0)
train_loader = DataLoader(TensorDataset((train_x - mean) / std, train_y), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset((val_x - mean) / std, val_y), batch_size=64)
test_loader = DataLoader(TensorDataset((test_x - mean) / std, test_y), batch_size=64)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
criterion = nn.CrossEntropyLoss()


def evaluate(loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            correct += (logits.argmax(dim=1) == y).sum().item()
    return correct / len(loader.dataset)


best_accuracy = 0.0
for epoch in range(10):
    model.train()
    running_loss = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    accuracy = evaluate(val_loader)
    if accuracy > best_accuracy:
        best_accuracy = accuracy
        torch.save(model.state_dict(), "best.pt")
    print(f"epoch {epoch}: loss {running_loss / len(train_loader):.3f}, val accuracy {accuracy:.3f}")

model.load_state_dict(torch.load("best.pt"))
print(f"test accuracy {evaluate(test_loader):.3f}")
