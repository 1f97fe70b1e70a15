"""Chapter 14's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import ast
import pathlib

import jupytext
import torch

from convlib.course.homework import public_check_failures

from planting import assert_exercises_put_away, planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "14-residual.md"
NB = jupytext.read(CHAPTER)
# The checks run tiny convolutions: one thread is many times faster than several fighting over a loaded CPU.
torch.set_num_threads(1)

SHAPE = "out_shape = {}"
COST = "weights = {}\nmacs = {}"
READ = 'residual = "{}"\ndecades_a = {}\ndecades_b = {}'
# ch14_bottleneck_cost: 512 -> width 128 -> 1,024, stride 2 on the 3×3, projection, 20×20 in, 10×10 out
C1, C2, C3, PJ = "512 * 128", "128 * 128 * 9", "128 * 1024", "512 * 1024"
W = f"({C1} + {C2} + {C3} + {PJ})"
MACS = f"[{C1} * {{0}} * {{0}}, {C2} * {{1}} * {{1}}, {C3} * {{2}} * {{2}}, {PJ} * {{3}} * {{3}}]"
RIGHT = MACS.format(20, 10, 10, 10)


def _forward(f1: str = "torch.relu(block.bn1(block.conv1(x)))",
             f2: str = "torch.relu(block.bn2(block.conv2(f)))",
             f3: str = "block.bn3(block.conv3(f))",
             shortcut: str = "x if block.downsample is None else block.downsample(x)",
             out: str = "torch.relu(f + shortcut)") -> str:
    """A student's answer to exercise 3 (the bottleneck), with one piece swapped for a usual mistake."""
    return f"""
def bottleneck_forward(x, block):
    f = {f1}
    f = {f2}
    f = {f3}
    shortcut = {shortcut}
    return {out}
"""


MISTAKES = [
    # ch14_dense_shape: k0 = 64, k = 24, 5 layers -> 184
    ("ch14_dense_shape", SHAPE.format((2, 120, 14, 14)), "forgot the block's input"),
    ("ch14_dense_shape", SHAPE.format((2, 24, 14, 14)), "not only the last layer's"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 24, 14, 14)), "not only the last layer's"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 4 * 24, 14, 14)), "one layer short"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 6 * 24, 14, 14)), "one layer too many"),
    ("ch14_dense_shape", SHAPE.format((2, 64, 14, 14)), "concatenates"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 5 * 96, 14, 14)), "4k channels stay inside a layer"),
    ("ch14_dense_shape", SHAPE.format((2, 92, 14, 14)), "transition layer comes after the block"),
    ("ch14_dense_shape", SHAPE.format((2, 184, 7, 7)), "keeps the batch and the map size"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 5 * 32, 14, 14)), "growth rate is k = 24"),
    ("ch14_dense_shape", SHAPE.format((2, 14, 14, 184)), "channels come second"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 5 * (96 + 24), 14, 14)), "4k channels stay inside"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 64 + 5 * 24, 14, 14)), "input twice"),
    # each layer taken to output as many channels as it receives (64 -> 128 -> ... doubles 5 times); 64 times k
    ("ch14_dense_shape", SHAPE.format((2, 64 * 2 ** 5, 14, 14)), "doubled the channels"),
    ("ch14_dense_shape", SHAPE.format((2, 64 * 24, 14, 14)), "multiplied the input's channels by k"),
    # the memory pitfall's sum J*k0 + k*J*(J-1)/2, printed just above the exercises
    ("ch14_dense_shape", SHAPE.format((2, 5 * 64 + 24 * 5 * 4 // 2, 14, 14)), "memory pitfall's sum"),
    # ch14_bottleneck_cost (macs: reduce at 20x20, then 3x3, expand and projection at 10x10)
    ("ch14_bottleneck_cost", COST.format(f"{W} + 2 * (128 + 128 + 1024 + 1024)", RIGHT), "batch-norm parameters"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 4 * (128 + 128 + 1024 + 1024)", RIGHT), "batch-norm parameters"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 128 + 128 + 1024 + 1024", RIGHT), "or biases"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + {C3}", RIGHT), "forgot the projection"),
    ("ch14_bottleneck_cost", COST.format(f"512 * 256 + 256 * 256 * 9 + 256 * 1024 + {PJ}", RIGHT), "width is 128"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + 128 * 128 + {C3} + {PJ}", RIGHT), "the middle convolution as a 1×1"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + {PJ}", RIGHT), "left out the 1×1 expand"),  # same total
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + {C3} + 9 * {PJ}", RIGHT), "projection is a 1×1"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1}, {C2}, {C3}, {PJ}]"), "once per output pixel"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, {C2} * 10 * 10, {C3} * 10 * 10, 0]"),
     "forgot the projection"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, {C2} * 10 * 10, {C3} * 10 * 10]"), "list of 4 ints"),
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(*[10] * 4)), "stride on the 3×3"),      # stride on conv1 (v1)
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(*[20] * 4)), "3×3 has stride 2"),       # no stride at all
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(20, 20, 10, 10)), "3×3 has stride 2"),
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(20, 10, 20, 10)), "1×1 expand comes after"),
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(20, 10, 10, 20)), "projection has stride 2"),
    ("ch14_bottleneck_cost", COST.format(W, f"[2 * v for v in {RIGHT}]"), "FLOPs"),
    # stride 2 applied to one side only: 10×20, the same numbers as doubling that one value
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, {C2} * 10 * 20, {C3} * 10 * 10, {PJ} * 10 * 10]"),
     "halves both the height and the width"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, {C2} * 10 * 20, {C3} * 10 * 20, {PJ} * 10 * 20]"),
     "halves both the height and the width"),
    # arbitrary numbers, unrelated to any map size
    ("ch14_bottleneck_cost", COST.format("128 * 128 * 50", "[1, 2, 3, 4]"), "multiple of 10 × 10 = 100"),
    # the map's height plus its width, not its pixel count
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * (20 + 20), {C2} * (10 + 10), {C3} * (10 + 10), {PJ} * (10 + 10)]"),
     "multiple of 10 × 10 = 100"),
    # the 3×3 taken as a 1×1 in macs only; the expand and the projection swapped in the list
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, 128 * 128 * 10 * 10, {C3} * 10 * 10, "
                                            f"{PJ} * 10 * 10]"), "middle convolution is a 3×3"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, {C2} * 10 * 10, {PJ} * 10 * 10, "
                                            f"{C3} * 10 * 10]"), "look swapped"),
    ("ch14_bottleneck_cost", COST.format(W, f"sum({RIGHT})"), "list of 4 ints"),
    # the 3×3 counted as 3 weights per channel pair (the kernel size, not its square), in weights and in macs[1]
    ("ch14_bottleneck_cost", COST.format(f"{C1} + 128 * 128 * 3 + {C3} + {PJ}", RIGHT), "9 weights per input–output pair, not 3"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, 128 * 128 * 3 * 10 * 10, {C3} * 10 * 10, "
                                            f"{PJ} * 10 * 10]"), "9 weights per input–output pair, not 3"),
    # 3×3 without padding: a 9×9 map, on the 3×3 alone or on the 3×3 and the expand
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(20, 9, 10, 10)), "3×3 has padding 1"),
    ("ch14_bottleneck_cost", COST.format(W, MACS.format(20, 9, 9, 10)), "3×3 has padding 1"),
    # "expansion 4" applied to width 128: an output of 512 channels
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + 128 * 512 + 512 * 512", RIGHT), "outputs 1,024 channels"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + 128 * 512 + {PJ}", RIGHT), "1×1 expand 512 output channels"),
    ("ch14_bottleneck_cost", COST.format(W, f"[{C1} * 20 * 20, {C2} * 10 * 10, 128 * 512 * 10 * 10, "
                                            f"512 * 512 * 10 * 10]"), "outputs 1,024 channels"),
    # ch14_bottleneck_forward
    ("ch14_bottleneck_forward", _forward(shortcut="x"), "add block.downsample(x)"),
    ("ch14_bottleneck_forward", _forward(shortcut="x if block.downsample is None else block.downsample(f)"),
     "not downsample(F(x))"),
    ("ch14_bottleneck_forward", _forward(shortcut="block.downsample(x)"), "block.downsample is None"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(torch.relu(f) + shortcut)"), "after the addition"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(f) + shortcut"), "after the addition"),
    ("ch14_bottleneck_forward", _forward(out="f + shortcut"), "forgot the ReLU after the addition"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(f)"), "left out the shortcut"),
    # the projection's convolution without its batch norm
    ("ch14_bottleneck_forward", _forward(shortcut="x if block.downsample is None else block.downsample[0](x)"),
     "left out the shortcut's batch norm"),
    ("ch14_bottleneck_forward", """
def bottleneck_forward(x, block):
    x = torch.relu(block.bn1(block.conv1(x)))
    x = torch.relu(block.bn2(block.conv2(x)))
    x = block.bn3(block.conv3(x))
    shortcut = x if block.downsample is None else block.downsample(x)
    return torch.relu(x + shortcut)
""", "overwrote x"),
    ("ch14_bottleneck_forward", _forward(f2="block.bn2(block.conv2(f))"), "before block.conv3"),
    ("ch14_bottleneck_forward", _forward(f1="block.bn1(torch.relu(block.conv1(x)))"), "block.bn1's output"),
    ("ch14_bottleneck_forward", _forward(f2="torch.relu(block.conv2(f))"), "left out block.bn2"),
    ("ch14_bottleneck_forward", """
def bottleneck_forward(x, block):
    f = torch.relu(block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x))))))
    shortcut = x if block.downsample is None else block.downsample(x)
    return torch.relu(block.bn3(block.conv3(f) + shortcut))
""", "not to the sum"),
    ("ch14_bottleneck_forward", """
def bottleneck_forward(x, block):
    f = block.bn3(block.conv3(torch.relu(block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x))))))))
    if block.downsample is not None:
        x = block.downsample(x)
    x += f
    return torch.relu(x)
""", "changed x in place"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return block(x)\n", "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return type(block).forward(block, x)\n",
     "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n"
     "    return torchvision.models.resnet.Bottleneck.forward(block, x)\n", "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return block.forward(x)\n", "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return torch.relu(x)\n", "left out block.conv1"),
    # ch14_read_gradients: A (plain) ends near 1.7e-11 (nearest tick 10⁻¹¹), B (shortcuts) near 0.16 (10⁻¹).
    # The letter is checked publicly only against the student's own two readings (two choices: a check on the
    # letter alone would give it away); the swapped curves are named by a hash of the whole answer.
    ("ch14_read_gradients", READ.format("A", 1, 11), "other way round"),
    ("ch14_read_gradients", READ.format("A", 11, 1), "falls further"),
    ("ch14_read_gradients", READ.format("B", 1, 11), "falls further"),
    ("ch14_read_gradients", READ.format("B", 11, 11), "readings are equal"),
    ("ch14_read_gradients", READ.format("B", -11, -1), "positive"),
    ("ch14_read_gradients", READ.format("B", 24, 1), "one per power of ten"),
    ("ch14_read_gradients", READ.format("B", "1e-11", "0.16"), "not the ratios themselves"),
    ("ch14_read_gradients", READ.format("C", 11, 1), "letter A or B"),
    # a tick next to the nearest one, either side, for either network: one hint that names no direction
    ("ch14_read_gradients", READ.format("B", 10, 1), "tick next to the right one for network A"),
    ("ch14_read_gradients", READ.format("B", 12, 1), "tick next to the right one for network A"),
    ("ch14_read_gradients", READ.format("B", 11, 0), "as 10⁰ = 1, no fall at all"),   # its own hint: no bracket
    ("ch14_read_gradients", READ.format("B", 11, 2), "tick next to the right one for network B"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_read_gradients_public_checks_do_not_pin_the_answer():
    """The ruling on public checks as oracles: beyond the named misreadings (the swapped curves among them),
    arbitrary wrong decades, with either letter, still pass publicly (the hidden tests catch them)."""
    for answer in (READ.format("A", 2, 11), READ.format("B", 9, 1), READ.format("B", 13, 1),
                   READ.format("B", 5, 1), READ.format("B", 11, 3),
                   READ.format("B", 11, 4), READ.format("B", 11, 6)):
        assert public_check_failures(NB, "ch14_read_gradients", answer) == [], answer


def test_read_gradients_neighbouring_ticks_get_one_hint():
    """A reading one tick off gets the same hint on either side of the answer, so the hints do not bracket it.
    For B the tick below is 0, which has no tick below it: it gets its own hint (no fall at all), else the
    shared "next to the right one" hint would pin B at 1."""
    assert "next to the right one" not in " ".join(public_check_failures(NB, "ch14_read_gradients",
                                                                         READ.format("B", 11, 0)))
    for good, low, high in (((11, 1), (10, 1), (12, 1)),):
        below = public_check_failures(NB, "ch14_read_gradients", READ.format("B", *low))
        above = public_check_failures(NB, "ch14_read_gradients", READ.format("B", *high))
        assert below and below == above, (below, above)
        assert public_check_failures(NB, "ch14_read_gradients", READ.format("B", *good)) == []


def test_bottleneck_cost_public_checks_do_not_pin_the_answer():
    """The ruling on public checks as oracles: plausible wrong answers beyond the named mistakes still pass
    publicly (the hidden tests reject them): the shortcut's additions or batch norm's multiplies counted, one
    term miscopied, the list in the wrong order (projection first)."""
    for macs in (f"[{C1} * 20 * 20 + 128 * 20 * 20, {C2} * 10 * 10, {C3} * 10 * 10, {PJ} * 10 * 10 + 1024 * 10 * 10]",
                 f"[{C1} * 20 * 20, {C2} * 10 * 10, {C3} * 10 * 10, 512 * 1000 * 10 * 10]",
                 f"[{PJ} * 10 * 10, {C1} * 20 * 20, {C2} * 10 * 10, {C3} * 10 * 10]"):
        assert public_check_failures(NB, "ch14_bottleneck_cost", COST.format(W, macs)) == [], macs


def test_dense_shape_public_checks_do_not_pin_the_answer():
    """Channel counts other than the named mistakes still pass publicly, on both sides of the answer."""
    for c in (136, 232, 256):
        assert public_check_failures(NB, "ch14_dense_shape", SHAPE.format((2, c, 14, 14))) == [], c


def test_exercises_put_convlib_and_its_counters_away():
    """The put-away cell removes convlib itself (convlib.residual.bottleneck_cost would give exercise 2's total in
    one call) and every name the chapter imported from convlib.cost or convlib.residual before the exercises."""
    src = jupytext.writes(NB, "md:myst")
    before = [c.source for c in jupytext.reads(src[:src.index("## Exercises")], "md:myst").cells if c.cell_type == "code"]
    names = {"convlib"}
    for source in before:
        for node in ast.walk(ast.parse("\n".join(l for l in source.splitlines() if not l.lstrip().startswith("%")))):
            if isinstance(node, ast.ImportFrom) and node.module in ("convlib", "convlib.residual", "convlib.cost"):
                names |= {a.asname or a.name for a in node.names
                          if node.module != "convlib" or a.name in ("cost", "residual")}
    assert {"bottleneck_cost", "cost"} <= names                 # the chapter's own imports were found
    assert_exercises_put_away(NB, sorted(names))


def test_no_set_up_helper_answers_exercise_1_or_2_in_one_call():
    """dense_channels is not imported by bare name in the set-up cell, and the visible cell that opens the
    Exercises takes cost (cost.count would print exercise 2's table), Bottleneck and bottleneck_cost out of scope;
    the hidden tests import what they need under _names."""
    setup = next(c.source for c in NB.cells if c.cell_type == "code")
    assert "dense_channels" not in setup
    src = jupytext.writes(NB, "md:myst")
    pop = next(c.source for c in NB.cells if c.cell_type == "code" and "globals().pop" in c.source)
    for name in ('"cost"', '"Bottleneck"', '"bottleneck_cost"'):
        assert name in pop, name
    exercises = src[src.index("## Exercises"):]
    assert " cost." not in exercises and "(cost." not in exercises


LAYER_BY_LAYER = """
def bottleneck_forward(x, block):
    f = torch.relu(block.bn1(block.conv1(x)))
    f = torch.relu(block.bn2(block.conv2(f)))
    f = block.bn3(block.conv3(f))
    s = x
    if block.downsample is not None:
        for layer in block.downsample:
            s = layer(s)
    return torch.relu(f + s)
"""


def test_bottleneck_forward_projection_run_layer_by_layer_passes():
    """A correct answer that runs the shortcut's conv and batch norm one at a time passes the public checks."""
    assert public_check_failures(NB, "ch14_bottleneck_forward", LAYER_BY_LAYER) == []


def test_nothing_before_the_exercises_shows_exercise_2s_answer_or_a_one_step_miss():
    """Round-19 review: Exercise 2's macs[0] (512·128·28²) equalled the 51,380,224 that the bottleneck drawing
    prints for its 1×1 reduce (256·64·56²). Neither Exercise 2's answers (the weights, the four multiply-adds) nor
    any planted one-step miss may appear before the exercises: in the text and code, on the built page (when
    present) above the Exercises heading, or in the two drawings' printed lines. The explorer draws blocks on a
    56 × 56 input (56 or 28 after a stride), so every multiply-add count it prints is a multiple of 7² = 49: none of
    the exercise's multiply-add values may be one."""
    import html
    import re

    from convlib.viz.residual import residual_scene

    namespace: dict = {}
    exec(next(c.source for c in NB.cells if "# SOLUTION" in c.source and "macs = " in c.source)
         .replace("  # SOLUTION", ""), namespace)
    answers = {namespace["weights"], *namespace["macs"]}
    near, near_macs = set(answers), set(namespace["macs"])
    for name, planted, _ in MISTAKES:
        if name == "ch14_bottleneck_cost":
            scope: dict = {}
            exec(planted, scope)
            macs = scope["macs"]
            near_macs |= set(macs if isinstance(macs, list) else [macs])
            near |= {scope["weights"]} | near_macs
    near = {v for v in near if isinstance(v, int) and v >= 1000}     # small numbers (1, 2, 3, 4) are everywhere
    src = jupytext.writes(NB, "md:myst")
    text = [src[: src.index("## Exercises")]]
    built = CHAPTER.parents[1] / "_build" / "ch14" / "_build" / "html" / "chapters" / "14-residual.html"
    if built.exists():  # the page of the last `make chapter N=14`, up to the Exercises heading: every printed output
        page = built.read_text(encoding="utf-8")
        page = re.sub(r"<script.*?</script>", "", page[: page.index('id="exercises"')], flags=re.S)
        text.append(html.unescape(re.sub(r"<[^>]+>", " ", page)))
    for scene in (residual_scene("basic", 64, 64, expansion=1, stride=1),         # the two drawings, as the chapter
                  residual_scene("bottleneck", 256, 256, expansion=4, stride=1)):  # calls them
        text.extend(scene.lines)
    shown = {int(v.replace(",", "").replace("_", ""))
             for v in re.findall(r"(?<![\w.])\d[\d,_]*\d|(?<![\w.])\d", "\n".join(text))}
    assert 51_380_224 in shown                                  # the drawing's 1×1 reduce that the review named
    assert not near & shown, f"the chapter shows {sorted(near & shown)} before the exercises: Exercise 2's answer or a near miss"
    assert not [v for v in near_macs if isinstance(v, int) and v >= 1000 and v % 49 == 0], \
        "a multiply-add answer or near miss is a multiple of 49, like the explorer's counts"
