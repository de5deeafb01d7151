"""dlcheck for PyTorch Lightning installed as ``pytorch_lightning``: the same callback as
``dlcheck.integrations.lightning`` on that package's ``Callback`` base."""

from __future__ import annotations

from pytorch_lightning.callbacks import Callback

from dlcheck.integrations._lightning import LightningMixin


class DLCheckCallback(LightningMixin, Callback):
    __doc__ = LightningMixin.__doc__
