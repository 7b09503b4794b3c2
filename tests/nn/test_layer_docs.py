"""The examples in the layers' docstrings run and print what they show."""

import doctest

import pytest

from autograd_core.nn import functional_layers
from autograd_core.nn.layers import attention, conv, embedding, norm, pooling, recurrent


@pytest.mark.parametrize("module", [functional_layers, conv, pooling, norm, embedding, recurrent, attention])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
