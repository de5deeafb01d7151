"""dlcheck inside training frameworks: callbacks that watch the model a framework trains.

* ``dlcheck.integrations.lightning.DLCheckCallback``: PyTorch Lightning (``lightning``)
* ``dlcheck.integrations.pytorch_lightning.DLCheckCallback``: the same for ``pytorch_lightning``
* ``dlcheck.integrations.transformers.DLCheckCallback``: the Hugging Face ``Trainer``

Each module imports its framework; this package imports nothing, so that ``import dlcheck``
never pulls a framework in.
"""
