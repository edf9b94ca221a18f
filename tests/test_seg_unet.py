"""The U-Net: the reference's parameter count, shapes, options."""

import pytest
import torch

from segmentation.unet import UNet, count_parameters

torch.set_num_threads(2)


def test_reference_parameter_count():
    # brain-segmentation-pytorch's UNet(in_channels=3, out_channels=1, init_features=32): 7,763,041
    assert count_parameters(UNet(3, 1, features=32)) == 7_763_041


def test_block_structure_matches_reference():
    model = UNet(3, 1, features=32)
    block = model.encoders[0]
    kinds = [type(m).__name__ for m in block]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "ReLU"]
    assert block[0].bias is None and block[0].kernel_size == (3, 3)
    assert [e[0].out_channels for e in model.encoders] == [32, 64, 128, 256]
    assert model.bottleneck[0].out_channels == 512
    assert model.upconvs[0].kernel_size == (2, 2) and model.upconvs[0].stride == (2, 2)
    assert model.head.kernel_size == (1, 1)


@pytest.mark.parametrize(
    ("features", "depth", "norm", "channels"),
    [(4, 1, "batch", 3), (4, 2, "instance", 9), (8, 3, "group", 3), (4, 2, "none", 1)],
)
def test_shapes(features, depth, norm, channels):
    model = UNet(channels, 1, features=features, depth=depth, norm=norm).eval()
    x = torch.randn(2, channels, 32, 32)
    logits = model(x)
    assert logits.shape == (2, 1, 32, 32)
    probabilities = model.predict(x)
    assert probabilities.dtype == torch.float32
    assert torch.all((probabilities >= 0) & (probabilities <= 1))


def test_no_norm_convs_have_bias():
    assert UNet(3, 1, features=4, depth=1, norm="none").encoders[0][0].bias is not None


def test_channels_last_bf16_matches_fp32():
    torch.manual_seed(0)
    model = UNet(3, 1, features=4, depth=2).eval()
    x = torch.randn(2, 3, 32, 32)
    reference = model(x)
    fast = model.to(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = fast(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(out.float(), reference, atol=0.1)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"norm": "layer"}, "norm is 'layer'"), ({"depth": 0}, "depth 0")]
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UNet(3, 1, **kwargs)


@pytest.mark.parametrize("norm", ["batch", "none"])
def test_decoder_equals_concatenation(norm):
    # the concat-free decoder is the reference's block applied to the concatenated input
    from segmentation.unet import decode

    torch.manual_seed(1)
    model = UNet(3, 1, features=4, depth=2, norm=norm).eval()
    up, skip = torch.randn(2, 8, 16, 16), torch.randn(2, 8, 16, 16)
    block = model.decoders[0]
    expected = block(torch.cat((up, skip), dim=1))
    assert torch.allclose(decode(block, up, skip), expected, atol=1e-5)
    expected.sum().backward()
    grad = block[0].weight.grad.clone()
    block.zero_grad()
    decode(block, up, skip).sum().backward()
    assert torch.allclose(block[0].weight.grad, grad, atol=1e-4)


def test_upsample_equals_transposed_convolution():
    from segmentation.unet import upsample

    torch.manual_seed(2)
    upconv = torch.nn.ConvTranspose2d(6, 4, kernel_size=2, stride=2)
    x = torch.randn(2, 6, 5, 7, requires_grad=True)
    expected = upconv(x)
    assert torch.allclose(upsample(upconv, x), expected, atol=1e-6)
    (expected * torch.arange(expected.numel()).reshape(expected.shape)).sum().backward()
    grads = [t.grad.clone() for t in (x, upconv.weight, upconv.bias)]
    for t in (x, upconv.weight, upconv.bias):
        t.grad = None
    out = upsample(upconv, x)
    (out * torch.arange(out.numel()).reshape(out.shape)).sum().backward()
    for t, grad in zip((x, upconv.weight, upconv.bias), grads, strict=True):
        assert torch.allclose(t.grad, grad, rtol=1e-5, atol=1e-3)


def test_instance_norm_keeps_channels_last_and_normalises_each_slice_channel():
    from segmentation.unet import InstanceNorm

    torch.manual_seed(3)
    norm = InstanceNorm(5, affine=True)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 2.0)
        norm.bias.uniform_(-1.0, 1.0)
    x = (torch.randn(3, 5, 6, 7) * 4 + 2).requires_grad_()
    # by hand: each (sample, channel) map to zero mean and unit (biased) variance, then scaled and shifted
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + 1e-5) * norm.weight[:, None, None] + norm.bias[:, None, None]
    for layout in (torch.contiguous_format, torch.channels_last):
        out = norm(x.contiguous(memory_format=layout))
        assert out.is_contiguous(memory_format=layout)
        assert torch.allclose(out, expected, atol=1e-5)
    weights = torch.randn_like(expected)
    (expected * weights).sum().backward()
    grad = x.grad.clone()
    x.grad = None
    (norm(x.contiguous(memory_format=torch.channels_last)) * weights).sum().backward()
    assert torch.allclose(x.grad, grad, atol=1e-5)
