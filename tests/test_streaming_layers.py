"""Every streaming layer: any chunking of a random input reproduces the full-sequence output."""
import pytest
import torch
from hypothesis import given, settings, strategies as st

from conftest import chunk_sizes, rel_err
from f3edge.streaming import CausalConv1d, CausalConvTranspose1d, CausalISTFT, CausalSTFT, StreamingSequential

SETTINGS = settings(max_examples=25, deadline=None)
sizes = st.lists(st.integers(1, 6), min_size=1, max_size=12)


def run_chunked(layer, x, chunks):
    state = layer.init_state(x.shape[0])
    outs, pos = [], 0
    for n in chunks:
        y, state = layer.step(x[..., pos:pos + n], state)
        outs.append(y)
        pos += n
    return torch.cat(outs, dim=-1), state


@SETTINGS
@given(kernel=st.integers(1, 7), stride=st.integers(1, 4), dilation=st.integers(1, 3), draw=sizes,
       frames=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_causal_conv_any_chunking_equals_full_sequence(kernel, stride, dilation, draw, frames, seed):
    torch.manual_seed(seed)
    if (kernel - 1) * dilation + 1 < stride:
        stride = 1
    layer = CausalConv1d(3, 5, kernel, stride=stride, dilation=dilation).eval()
    x = torch.randn(2, 3, frames * stride)
    full = layer(x)
    chunked, _ = run_chunked(layer, x, chunk_sizes(draw, x.shape[-1], stride))
    assert chunked.shape == full.shape == (2, 5, frames)
    assert rel_err(chunked, full) <= 1e-5


def test_causal_conv_output_does_not_depend_on_future_blocks():
    torch.manual_seed(0)
    layer = CausalConv1d(1, 1, 8, stride=4).eval()
    x = torch.randn(1, 1, 40)
    y = layer(x)
    x2 = x.clone()
    x2[..., 20:] = torch.randn(1, 1, 20)   # change everything from block 5 on
    y2 = layer(x2)
    assert torch.equal(y[..., :5], y2[..., :5])
    assert not torch.equal(y[..., 5:], y2[..., 5:])


@SETTINGS
@given(stride=st.integers(1, 4), extra=st.integers(0, 6), draw=sizes, frames=st.integers(1, 20),
       seed=st.integers(0, 2**16))
def test_transposed_conv_any_chunking_equals_full_sequence(stride, extra, draw, frames, seed):
    torch.manual_seed(seed)
    layer = CausalConvTranspose1d(4, 3, stride + extra, stride).eval()
    torch.nn.init.normal_(layer.bias)
    x = torch.randn(2, 4, frames)
    full = layer(x)
    chunked, _ = run_chunked(layer, x, chunk_sizes(draw, frames, 1))
    assert chunked.shape == full.shape == (2, 3, frames * stride)
    assert rel_err(chunked, full) <= 1e-5


@pytest.mark.parametrize("dft", ["dense", "fft"])
@SETTINGS
@given(draw=sizes, frames=st.integers(1, 30), seed=st.integers(0, 2**16))
def test_stft_any_chunking_equals_full_sequence(dft, draw, frames, seed):
    torch.manual_seed(seed)
    layer = CausalSTFT(64, 16, dft=dft)
    x = torch.randn(1, 1, frames * 16)
    full = layer(x)
    chunked, _ = run_chunked(layer, x, chunk_sizes(draw, x.shape[-1], 16))
    assert rel_err(chunked, full) <= 1e-5


@pytest.mark.parametrize("dft", ["dense", "fft"])
@SETTINGS
@given(draw=sizes, frames=st.integers(1, 30), seed=st.integers(0, 2**16))
def test_istft_any_chunking_equals_full_sequence(dft, draw, frames, seed):
    torch.manual_seed(seed)
    layer = CausalISTFT(64, 16, dft=dft)
    spec = torch.randn(1, 66, frames)
    full = layer.forward_with_tail(spec)
    chunked, state = run_chunked(layer, spec, chunk_sizes(draw, frames, 1))
    chunked = torch.cat([chunked, state[0]], dim=-1)   # the tail is what the last frames still owe
    assert rel_err(chunked, full) <= 1e-5


@pytest.mark.parametrize("dft", ["dense", "fft"])
def test_stft_then_istft_reconstructs_with_the_documented_delay(dft):
    torch.manual_seed(0)
    n_fft, hop = 640, 160
    x = torch.randn(1, 1, 8000)
    y = CausalISTFT(n_fft, hop, dft=dft).forward_with_tail(CausalSTFT(n_fft, hop, dft=dft)(x))
    delay = n_fft - hop
    assert rel_err(y[..., delay:delay + 8000 - delay], x[..., :8000 - delay]) < 1e-5


def test_factorized_and_dense_dft_compute_the_same_stft_and_istft():
    torch.manual_seed(0)
    x = torch.randn(2, 1, 16000)
    dense, fft = CausalSTFT(640, 160), CausalSTFT(640, 160, dft="fft")
    spec = dense(x)
    assert rel_err(fft(x), spec) < 1e-5
    assert rel_err(CausalISTFT(640, 160, dft="fft").forward_with_tail(spec),
                   CausalISTFT(640, 160).forward_with_tail(spec)) < 1e-5


def test_unknown_dft_kinds_are_refused():
    with pytest.raises(ValueError, match="dft must be one of"):
        CausalISTFT(640, 160, dft="rfft")


def test_sequential_state_spec_concatenates_children_in_order():
    seq = StreamingSequential(CausalConv1d(2, 3, 3), torch.nn.SiLU(), CausalConv1d(3, 4, 4, stride=2))
    spec = seq.state_spec(batch=2)
    assert [s.name for s in spec] == ["0.history", "2.history"]
    assert [s.shape for s in spec] == [(2, 2, 2), (2, 3, 2)]
    assert [tuple(t.shape) for t in seq.init_state(2)] == [s.shape for s in spec]
    assert seq.chunk_multiple == 2
