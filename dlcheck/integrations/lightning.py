"""dlcheck for PyTorch Lightning (the ``lightning`` package)::

    from dlcheck.integrations.lightning import DLCheckCallback
    trainer = lightning.pytorch.Trainer(callbacks=[DLCheckCallback()])

Arguments are those of ``dlcheck.watch`` (``checks``, ``every``, ``on_problem``, ``plugins``)
and ``verbose`` (print the report at the end of ``fit``). See ``LightningMixin``.
"""

from __future__ import annotations

from lightning.pytorch.callbacks import Callback

from dlcheck.integrations._lightning import LightningMixin


class DLCheckCallback(LightningMixin, Callback):
    __doc__ = LightningMixin.__doc__
