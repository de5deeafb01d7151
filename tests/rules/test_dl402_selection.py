"""DL402 beyond its examples: the project option, where findings land, what stays silent."""
from __future__ import annotations

from dllint.engine import lint_source
from dllint.registry import default_registry
from dllint.testing import lint_snippet


def _lines(source: str, options: dict | None = None) -> list[int]:
    rule = default_registry().by_code["DL402"](options)
    return sorted(d.line for d in lint_source(source, "x.py", [rule]) if d.code == "DL402")


QUERY_SET = """
import torch
best = 0.0
for epoch in range(10):
    train(model, support_loader)
    acc = evaluate(model, query_set)
    if acc > best:
        best = acc
        torch.save(model.state_dict(), "best.pt")
"""


def test_project_test_names_option():
    assert _lines(QUERY_SET) == []
    assert _lines(QUERY_SET, {"test-names": ["query_set"]}) == [7]


def test_selection_reported_once_per_statement():
    source = """
import torch
acc = evaluate(model, test_loader)
if acc > best and acc > 0.5:
    torch.save(model, "m.pt")
    best = acc
"""
    assert _lines(source) == [4]


def test_final_evaluation_after_training_is_silent():
    source = """
import torch
for epoch in range(epochs):
    train(model, train_loader)
    val_acc = evaluate(model, val_loader)
    if val_acc > best:
        best = val_acc
        torch.save(model.state_dict(), "best.pt")
model.load_state_dict(torch.load("best.pt"))
test_acc = evaluate(model, test_loader)
if test_acc > 0.9:
    print("target reached")
"""
    assert _lines(source) == []


def test_selection_inside_the_test_function_of_a_script():
    # The shape of many CIFAR scripts: the test function itself keeps the best test checkpoint.
    source = """
import torch
import torchvision
testset = torchvision.datasets.CIFAR10(root="./data", train=False, download=True)
loader = torch.utils.data.DataLoader(testset, batch_size=100)
best_acc = 0
def run_eval(epoch):
    global best_acc
    correct = total = 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            _, predicted = net(inputs).max(1)
            total += targets.size(0)
            correct += predicted.eq(targets).sum().item()
    acc = 100. * correct / total
    if acc > best_acc:
        torch.save({"net": net.state_dict(), "acc": acc}, "./checkpoint/ckpt.pth")
        best_acc = acc
"""
    assert _lines(source) == [17]


def test_splits_of_a_torchtext_style_helper_are_not_mixed_up():
    # ``a, b, c = Iterator.splits((train, dev, test))``: which output is which is unknown, so the
    # training iterator must not inherit the test set's role.
    source = """
train, dev, test = datasets.SNLI.splits(inputs, answers)
train_iter, dev_iter, test_iter = data.BucketIterator.splits((train, dev, test), batch_size=32)
for batch in train_iter:
    loss = criterion(model(batch), batch.label)
    loss.backward()
"""
    assert lint_snippet(source, ["DL402"]) == []


def test_training_on_a_validation_set_made_from_the_test_set_is_reported():
    source = """
import torch
from torchvision import datasets
valset = datasets.MNIST("data", train=False)
loader = torch.utils.data.DataLoader(valset, batch_size=64)
for x, y in loader:
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
"""
    assert _lines(source) == [8]


def test_backward_for_input_gradients_only_is_silent():
    source = """
import torch
for x, y in test_loader:
    x.requires_grad_(True)
    torch.nn.functional.cross_entropy(model(x), y).backward()
    saliency = x.grad.abs().amax(1)
"""
    assert _lines(source) == []


def test_keeping_only_the_best_test_score_is_info_and_a_checkpoint_is_a_warning():
    source = """
import torch
for epoch in range(epochs):
    acc = evaluate(model, test_loader)
    if acc > best_seen:
        best_seen = acc
    if acc > best_ckpt:
        torch.save(model.state_dict(), "m.pt")
print("best test accuracy", best_seen)  # (a best never read selects nothing: twelfth audit DC)
"""
    found = sorted((d.line, d.severity) for d in lint_snippet(source, ["DL402"]))
    assert found == [(5, "info"), (7, "warning")]


def test_sorting_results_by_test_score_is_a_selection_but_sorting_test_samples_is_not():
    source = """
results = {}
for wd in (0.0, 1e-4, 1e-3):
    results[wd] = evaluate(train_with(wd), test_loader)
ranking = sorted(results.items(), key=lambda kv: kv[1], reverse=True)
samples = sorted(test_loader.dataset.samples, key=lambda s: s[1])
"""
    assert _lines(source) == [5]


def test_plot_embeddings_are_no_fit_but_other_fits_on_test_data_are():
    source = """
from sklearn.manifold import TSNE
from sklearn.decomposition import PCA
tsne = TSNE(n_components=2)
points = tsne.fit_transform(X_test)
pca = PCA(2).fit(X_test)
"""
    assert _lines(source) == [6]


def test_sorting_results_by_key_picks_nothing_but_by_value_does():
    source = """
test_scores = {}
for lr in lrs:
    test_scores[lr] = evaluate(make_model(lr), test_loader)
print(sorted(test_scores.items(), key=lambda kv: kv[0]))
print(sorted(test_scores.items(), key=lambda kv: kv[1]))
"""
    assert _lines(source) == [6]
