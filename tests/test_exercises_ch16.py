"""Chapter 16's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "16-squeeze-excitation.md"
NB = jupytext.read(CHAPTER)

SHAPES = "z_shape = {}\nhidden_units = {}\nout_shape = {}"
COST = "added_params = {}\nfc_macs = {}"
READ = 'most_suppressed = "{}"\nkept = "{}"'


def _mse(width: str = "max(8, int(v + 4) // 8 * 8)", guard: bool = True, pool: str = "x.mean(dim=(2, 3), keepdim=True)",
         act: str = "torch.relu", gate: str = "F.hardsigmoid") -> str:
    """A student's answer to exercise 3 (MobileNetV3's SE block), with one piece swapped for a usual mistake."""
    return f"""
class MobileSE(nn.Module):
    def __init__(self, channels):
        super().__init__()
        v = channels // 4
        hidden = {width}
        if {guard} and hidden < 0.9 * v:
            hidden += 8
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x):
        z = {pool}
        return x * {gate}(self.fc2({act}(self.fc1(z))))
"""


MISTAKES = [
    # ch16_shapes
    ("ch16_shapes", SHAPES.format((8, 784), 32, (8, 512, 28, 28)), "averaged over the channels"),
    ("ch16_shapes", SHAPES.format((8, 512), 512 * 16, (8, 512, 28, 28)), "multiplied by r"),
    ("ch16_shapes", SHAPES.format((8, 512), 16, (8, 512, 28, 28)), "reduction ratio, not the width"),
    ("ch16_shapes", SHAPES.format((8, 512), 32, (8, 512, 1, 1)), "rescaled feature map"),
    ("ch16_shapes", SHAPES.format((8, 32), 32, (8, 512, 28, 28)), "hidden layer's output"),
    ("ch16_shapes", SHAPES.format((8, 512, 1, 1), 32, (8, 512, 28, 28)), "without its two 1×1 axes"),
    ("ch16_shapes", SHAPES.format((8, 512 * 28 * 28), 32, (8, 512, 28, 28)), "flattened the map"),
    ("ch16_shapes", SHAPES.format((8, 512), "512 / 16", (8, 512, 28, 28)), "C // r an int"),
    # ch16_stage_overhead (ResNet-101's layer3: 23 blocks, C = 1024, r = 16, 14×14)
    ("ch16_stage_overhead", COST.format("6 * (2 * 1024 * 64 + 64 + 1024)", "6 * 2 * 1024 * 64"), "ResNet-50's third stage"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 64", "23 * 2 * 1024 * 64"), "forgot the biases"),
    ("ch16_stage_overhead", COST.format("23 * (1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64"), "C²/r counts one layer"),
    ("ch16_stage_overhead", COST.format("2 * 1024 * 64 + 64 + 1024", "23 * 2 * 1024 * 64"), "the stage has 23"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64 * 14 * 14"),
     "not at every pixel"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 1024 * 64"), "C²/r is one layer"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 1024)", "23 * 2 * 1024 * 64"), "one layer's biases only"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 64 + 64 + 1024", "23 * 2 * 1024 * 64"), "biases of one block only"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64 + 1024)"),
     "biases as multiply-adds"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 1024 * 14 * 14)"),
     "squeeze or the rescaling"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64 + 1024 + 1024 * 14 * 14)"),
     "squeeze or the rescaling"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "2 * 23 * 2 * 1024 * 64"), "counted FLOPs"),
    ("ch16_stage_overhead", COST.format("17 * (2 * 1024 * 64 + 64 + 1024)", "17 * 2 * 1024 * 64"), "17 = 23 − 6"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "17 * 2 * 1024 * 64"), "17 = 23 − 6"),
    # ch16_mobile_se
    ("ch16_mobile_se", _mse(width="v"), "kept v = C // 4"),
    ("ch16_mobile_se", _mse(width="max(8, v // 8 * 8)"), "rounded v = 60 down"),
    ("ch16_mobile_se", _mse(width="max(8, -(-v // 8) * 8)"), "rounded v = 66 up"),
    ("ch16_mobile_se", _mse(guard=False), "the rule then adds 8"),
    ("ch16_mobile_se", _mse(width="max(8, round(v / 8) * 8)"), "tie to the even multiple"),
    ("ch16_mobile_se", _mse(gate="torch.sigmoid"), "Hardsigmoid"),
    ("ch16_mobile_se", _mse(act=""), "left out the ReLU"),
    ("ch16_mobile_se", _mse(act="F.hardswish"), "keeps a ReLU"),
    ("ch16_mobile_se", _mse(pool="x.mean(dim=(0, 2, 3), keepdim=True)"), "averaged over the batch too"),
    ("ch16_mobile_se", _mse(pool="x.mean(dim=(2, 3))"), "over H and W only"),
    ("ch16_mobile_se", _mse(pool="x.mean(dim=(1, 2, 3), keepdim=True)"), "over H and W only"),
    ("ch16_mobile_se", _mse(pool="x.amax(dim=(2, 3), keepdim=True)"), "max pooling"),
    ("ch16_mobile_se", _mse().replace("nn.Conv2d(channels, hidden, 1)", "nn.Linear(channels, hidden)"), "1×1 nn.Conv2d"),
    ("ch16_mobile_se", "import torchvision\nclass MobileSE(torchvision.ops.SqueezeExcitation):\n    pass\n", "not torchvision"),
    ("ch16_mobile_se", "import torchvision\nclass MobileSE(nn.Module):\n    def __init__(self, channels):\n"
     "        super().__init__()\n        self.se = torchvision.ops.SqueezeExcitation(channels, 8)\n"
     "        self.fc1, self.fc2 = self.se.fc1, self.se.fc2\n    def forward(self, x):\n        return self.se(x)\n",
     "not torchvision"),
    # ch16_read_weights
    ("ch16_read_weights", READ.format("B", "E"), "already dark before"),
    ("ch16_read_weights", READ.format("A", "D"), "lost a good part"),
    ("ch16_read_weights", READ.format("A", "A"), "cannot be both"),
    ("ch16_read_weights", READ.format("A", "B"), "visibly darker"),
    ("ch16_read_weights", READ.format("C", "E"), "largest fraction"),
    ("ch16_read_weights", READ.format("D", "E"), "largest fraction"),
    ("ch16_read_weights", READ.format("A", "C"), "visibly darker"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
