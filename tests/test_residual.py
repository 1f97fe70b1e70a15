"""convlib.residual: the blocks equal torchvision's in parameters, multiply-adds and outputs; gradients flow."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from convlib import cost
from convlib.residual import (
    BasicBlock, Bottleneck, DenseBlock, DenseLayer, basic_block_cost, bottleneck_cost, dense_channels,
    dense_layer_cost,
)
from convlib.viz.residual import residual_scene


@pytest.fixture(scope="module")
def nets() -> dict[str, nn.Module]:
    return {"resnet18": torchvision.models.resnet18(weights=None), "resnet50": torchvision.models.resnet50(weights=None),
            "densenet121": torchvision.models.densenet121(weights=None)}


def _same_count(ours: nn.Module, theirs: nn.Module, shape: tuple[int, ...], formula: tuple[int, int]) -> None:
    a, b = cost.count(ours, shape), cost.count(theirs, shape)
    assert (a.params, a.macs) == (b.params, b.macs) == formula


def test_basic_block_equals_resnet18_blocks_in_params_and_macs(nets: dict[str, nn.Module]) -> None:
    r18 = nets["resnet18"]
    _same_count(BasicBlock(64, 64), r18.layer1[0], (1, 64, 56, 56), basic_block_cost(64, 64, 56))
    _same_count(BasicBlock(64, 128, 2), r18.layer2[0], (1, 64, 56, 56), basic_block_cost(64, 128, 56, 2))
    _same_count(BasicBlock(256, 512, 2), r18.layer4[0], (1, 256, 14, 14), basic_block_cost(256, 512, 14, 2))


def test_bottleneck_equals_resnet50_blocks_in_params_and_macs(nets: dict[str, nn.Module]) -> None:
    r50 = nets["resnet50"]
    _same_count(Bottleneck(64, 64, 256), r50.layer1[0], (1, 64, 56, 56), bottleneck_cost(64, 64, 256, 56))
    _same_count(Bottleneck(256, 64, 256), r50.layer1[1], (1, 256, 56, 56), bottleneck_cost(256, 64, 256, 56))
    _same_count(Bottleneck(256, 128, 512, 2), r50.layer2[0], (1, 256, 56, 56), bottleneck_cost(256, 128, 512, 56, 2))


def test_dense_layer_equals_densenet121_layers_in_params_and_macs(nets: dict[str, nn.Module]) -> None:
    block = nets["densenet121"].features.denseblock2
    for i, layer in enumerate(block.children()):
        c_in = dense_channels(128, 32, i)
        _same_count(DenseLayer(c_in, 32), layer, (1, c_in, 28, 28), dense_layer_cost(c_in, 32, 28))


def test_blocks_compute_torchvisions_outputs_with_the_same_weights(nets: dict[str, nn.Module]) -> None:
    x = torch.randn(2, 64, 12, 12)
    for ours, theirs in [(BasicBlock(64, 128, 2), nets["resnet18"].layer2[0]),
                         (Bottleneck(64, 64, 256), nets["resnet50"].layer1[0])]:
        ours.eval(), theirs.eval()
        mine, ref = list(ours.parameters()) + list(ours.buffers()), list(theirs.parameters()) + list(theirs.buffers())
        assert sorted(p.shape for p in mine) == sorted(p.shape for p in ref)
        # torchvision's order: body convs/BNs then downsample; ours: body then shortcut, the same order
        with torch.no_grad():
            for p, q in zip(ours.state_dict().values(), theirs.state_dict().values()):
                p.copy_(q)
            assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_dense_block_grows_channels_by_k_per_layer() -> None:
    block = DenseBlock(5, 96, 24)
    assert block(torch.randn(2, 96, 7, 7)).shape == (2, dense_channels(96, 24, 5), 7, 7) == (2, 216, 7, 7)
    assert block(torch.randn(0, 96, 7, 7)).shape == (0, 216, 7, 7)


def test_shapes_and_projection_only_when_shapes_change() -> None:
    assert isinstance(BasicBlock(32, 32).shortcut, nn.Identity)
    assert isinstance(BasicBlock(32, 64).shortcut, nn.Sequential)
    assert isinstance(Bottleneck(64, 16, 64, stride=2).shortcut, nn.Sequential)
    assert BasicBlock(32, 32, shortcut=False).shortcut is None
    assert BasicBlock(16, 32, 2)(torch.randn(1, 16, 9, 9)).shape == (1, 32, 5, 5)
    assert Bottleneck(16, 8, 32, 2)(torch.randn(1, 16, 8, 8)).shape == (1, 32, 4, 4)


def test_identity_shortcut_carries_the_gradient_when_the_body_gives_none() -> None:
    x = torch.randn(2, 8, 6, 6, requires_grad=True)
    for shortcut, expect_zero in ((True, False), (False, True)):
        block = BasicBlock(8, 8, shortcut=shortcut).eval()
        with torch.no_grad():
            block.body[-1].weight.zero_()   # last BN scale 0: F(x) is constant, its gradient 0
        x.grad = None
        block(x).sum().backward()
        assert (x.grad.abs().sum().item() == 0) == expect_zero


def test_gradients_reach_every_parameter_of_every_block() -> None:
    for block, shape in [(BasicBlock(8, 16, 2), (2, 8, 6, 6)), (Bottleneck(8, 4, 16), (2, 8, 6, 6)),
                         (DenseBlock(3, 8, 4), (2, 8, 6, 6))]:
        block(torch.randn(shape)).sum().backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())


@pytest.mark.parametrize("call, name", [
    (lambda: BasicBlock(0, 8), "in_channels"), (lambda: BasicBlock(8, 8, stride=3), "stride"),
    (lambda: Bottleneck(8, 0, 8), "width"), (lambda: DenseLayer(8, 0), "growth_rate"),
    (lambda: DenseLayer(8, 4, bn_size=0), "bn_size"), (lambda: DenseBlock(0, 8, 4), "num_layers"),
    (lambda: dense_channels(8, 4, -1), "layers"), (lambda: basic_block_cost(8, 8, 0), "size"),
    (lambda: bottleneck_cost(8, 2, 8, 8, stride=True), "stride"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=name):
        call()


def test_scene_counts_agree_with_the_cost_functions_and_explains_impossible_settings() -> None:
    scene = residual_scene("bottleneck", 256, 256, 4, 1, True)
    assert f"= {bottleneck_cost(256, 64, 256, 56)[0]:,}" in scene.lines[-2]
    assert scene.lines[-1].endswith(f"= {bottleneck_cost(256, 64, 256, 56)[1]:,}")
    scene = residual_scene("basic", 64, 128, 1, 2, "on")
    assert scene.lines[-1].endswith(f"= {basic_block_cost(64, 128, 56, 2)[1]:,}")
    assert scene.grid("skip").cells[0] == "k"
    with pytest.raises(ValueError, match="expansion"):
        residual_scene("basic", 64, 64, 4)
    assert all(g.name != "skip" for g in residual_scene("basic", 64, 64, 1, 1, "off").grids)


@pytest.mark.parametrize("block, c_in, c_out, expansion, stride", [("basic", 64, 64, 1, 1), ("bottleneck", 64, 256, 4, 2)])
def test_scene_draws_arrows_down_the_layers_and_the_shortcut_around_them_into_the_addition(
        block: str, c_in: int, c_out: int, expansion: int, stride: int) -> None:
    scene = residual_scene(block, c_in, c_out, expansion, stride, True)
    rows = [g for g in scene.grids if g.cells.strip(".") and g.name != "skip"]          # x, the layers, "+", output
    assert [g.name for g in rows][0] == "x" and [g.name for g in rows][-2:] == ["add", "out"]
    assert scene.grid("add").text == ["+"]
    centre = lambda name: (scene.grid(name).x + 0.5, scene.grid(name).y + 0.5)  # noqa: E731
    segments = [(centre(link.a), centre(link.b)) for link in scene.links]
    for upper, lower in zip(rows, rows[1:]):   # one downward arrow between each row and the next, clear of both
        assert any(a[0] == b[0] and upper.y + 1 < a[1] < b[1] < lower.y - 0.5 for a, b in segments), (upper.name, lower.name)
    right = max(g.x + g.cols for g in rows)
    lane = [(a, b) for a, b in segments if a[0] == b[0] and a[0] > right]
    assert min(min(a[1], b[1]) for a, b in lane) <= scene.grid("x").y + 0.5, "the shortcut starts at the input"
    assert max(max(a[1], b[1]) for a, b in lane) >= scene.grid("add").y + 0.5, "and runs down beside the layers"
    add = scene.grid("add")
    assert any(b == (add.x + 1.15, add.y + 0.5) and a[0] > b[0] for a, b in segments), "it enters the + from the side"
