"""Training dynamics: activation scale under three weight initialisations (a numpy
simulation), typical learning curves with early stopping, and a network under dropout."""

from __future__ import annotations

from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ankigen import BadParameter, figure
from ankigen.checks import at_least, between
from dlmath.activations import relu
from dlmath.initialization import SMALL_STD, InitScheme, init_std
from dlmath.regularization import dropout_mask

from ._style import COLORS, FONT_SIZE, MAX_LAYERS, new_figure, style_axes, text_num

InitActivation = Literal["tanh", "relu"]
WIDTH = 256
BATCH = 512
SEED = 0
# Layer sizes of the dropout sketch: inputs, two hidden layers, outputs.
NETWORK = (4, 5, 5, 2)


def activation_stds(
    activation: InitActivation, layers: int, scheme: InitScheme, seed: int = SEED
) -> np.ndarray:
    """Std of the activations after each of `layers` bias-free WIDTH x WIDTH layers,
    for a batch of standard-normal inputs; the seed fixes inputs and weights."""
    rng = np.random.default_rng(seed)
    hidden = rng.standard_normal((BATCH, WIDTH))
    std = init_std(scheme, WIDTH, WIDTH)
    stds = np.empty(layers)
    for layer in range(layers):
        weights = rng.normal(0.0, std, size=(WIDTH, WIDTH))
        pre = hidden @ weights
        hidden = np.tanh(pre) if activation == "tanh" else relu(pre)
        stds[layer] = hidden.std()
    return stds


@figure("init-activation-stats")
def init_activation_stats(activation: InitActivation = "tanh", layers: int = 10) -> Figure:
    """Small random weights shrink the signal geometrically; Xavier keeps tanh layers
    near unit gain (Glorot & Bengio 2010), He keeps ReLU layers at a constant scale
    (He et al. 2015), because ReLU zeroes half of its inputs."""
    between("layers", layers, 2, MAX_LAYERS)
    schemes: tuple[tuple[InitScheme, str, str], ...] = (
        ("small", f"N(0, {text_num(SMALL_STD)}²)", "s"),
        ("xavier", "Xavier", "o"),
        ("he", "He", "^"),
    )
    depth = np.arange(1, layers + 1)
    fig = new_figure(height=2.56)
    axes = fig.add_subplot()
    style_axes(
        axes, xlabel="layer", ylabel="std of activations", title=f"{activation}, width {WIDTH}"
    )
    for index, (scheme, label, marker) in enumerate(schemes):
        axes.plot(
            depth,
            activation_stds(activation, layers, scheme),
            marker=marker,
            markersize=4,
            markevery=max(1, layers // 10),
            color=COLORS[index],
            linewidth=1.8,
            label=label,
        )
    axes.set_yscale("log")
    axes.set_xlim(0.5, layers + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    axes.minorticks_off()
    axes.legend(fontsize=FONT_SIZE - 2, frameon=False, loc="lower left")
    return fig


def _decay(epochs: np.ndarray, start: float, floor: float, tau: float) -> np.ndarray:
    """A loss that falls exponentially from `start` towards `floor` with time constant tau."""
    result: np.ndarray = floor + (start - floor) * np.exp(-epochs / tau)
    return result


def learning_curve_models(epochs: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Model curves (train, validation), not a training run: underfitting plateaus high
    for both; a good fit ends low with a small gap; overfitting keeps lowering the
    training loss while a gap growing linearly with the epoch lifts the validation loss."""
    return {
        "underfit": (_decay(epochs, 1.5, 0.85, 15.0), _decay(epochs, 1.5, 0.9, 15.0)),
        "good fit": (_decay(epochs, 1.5, 0.25, 15.0), _decay(epochs, 1.5, 0.32, 15.0)),
        "overfit": (
            _decay(epochs, 1.5, 0.02, 12.0),
            _decay(epochs, 1.5, 0.25, 12.0) + 0.004 * epochs,
        ),
    }


@figure("learning-curves")
def learning_curves() -> Figure:
    """Three panels telling the regimes apart by the train/validation pair; in the
    overfitting panel the minimum of the validation loss is where early stopping
    keeps the weights."""
    epochs = np.linspace(0.0, 100.0, 201)
    fig = new_figure(height=2.56)
    panels = fig.subplots(1, 3, sharey=True)
    models = learning_curve_models(epochs)
    for axes, (title, (train, validation)) in zip(panels, models.items(), strict=True):
        style_axes(axes, title=title)
        axes.plot(epochs, train, color=COLORS[0], linewidth=2.0, label="train")
        axes.plot(
            epochs, validation, color=COLORS[1], linewidth=2.0, linestyle="--", label="validation"
        )
        axes.set_xlim(0.0, 100.0)
        axes.set_ylim(0.0, 1.6)
        # Model curves: the shapes matter, the numbers on the axes would not.
        axes.tick_params(labelleft=False, labelbottom=False)
    _mark_early_stop(panels[-1], epochs, models["overfit"][1])
    panels[0].set_ylabel("loss", fontsize=FONT_SIZE)
    fig.supxlabel("epoch", fontsize=FONT_SIZE)
    fig.legend(
        *panels[0].get_legend_handles_labels(),
        loc="outside upper center",
        ncol=2,
        fontsize=FONT_SIZE - 2,
        frameon=False,
    )
    return fig


def _mark_early_stop(axes: Axes, epochs: np.ndarray, validation: np.ndarray) -> None:
    best = int(np.argmin(validation))
    axes.axvline(epochs[best], color=COLORS[2], linewidth=1.2, linestyle=":")
    axes.plot([epochs[best]], [validation[best]], "o", color=COLORS[2], markersize=6)
    axes.text(
        epochs[best] + 4,
        validation[best] + 0.35,
        "early\nstop",
        fontsize=FONT_SIZE - 2,
        color=COLORS[2],
    )


def dropped_units(p: float, seed: int) -> list[np.ndarray]:
    """One boolean mask per hidden layer, True where a unit is dropped: dlmath's dropout mask
    (p of torch.nn.Dropout, the probability of zeroing) over all hidden units at once."""
    hidden = NETWORK[1:-1]
    return np.split(~dropout_mask(sum(hidden), p, seed), np.cumsum(hidden)[:-1])


def _draw_network(axes: Axes, dropped: list[np.ndarray]) -> None:
    """Units as circles, connections as lines; a dropped unit loses every connection."""
    sizes = NETWORK
    masks = [np.zeros(sizes[0], bool), *dropped, np.zeros(sizes[-1], bool)]
    heights = [np.arange(n) - (n - 1) / 2 for n in sizes]
    for layer in range(len(sizes) - 1):
        for i, y0 in enumerate(heights[layer]):
            for j, y1 in enumerate(heights[layer + 1]):
                if not (masks[layer][i] or masks[layer + 1][j]):
                    axes.plot([layer, layer + 1], [y0, y1], color="#999999", linewidth=0.7)
    fills = [COLORS[0], *[COLORS[4]] * (len(sizes) - 2), COLORS[2]]
    for layer, (ys, mask) in enumerate(zip(heights, masks, strict=True)):
        kept, gone = ys[~mask], ys[mask]
        axes.plot(
            np.full(kept.size, layer), kept, "o", markersize=13, color=fills[layer], mec="black"
        )
        axes.plot(
            np.full(gone.size, layer), gone, "o", markersize=13, color="#e6e6e6", mec="#999999"
        )
        axes.plot(np.full(gone.size, layer), gone, "x", markersize=11, color=COLORS[1], mew=2.0)
    axes.set_xlim(-0.4, len(sizes) - 0.6)
    axes.set_ylim(-(max(sizes) / 2), max(sizes) / 2)
    axes.set_axis_off()


@figure("dropout-network")
def dropout_network(p: float = 0.5, seed: int = 3) -> Figure:
    """Left the full 4-5-5-2 MLP, right one training step's thinned network (Srivastava
    et al. 2014, Fig. 1): hidden units dropped by a seeded Bernoulli(p) draw; inputs kept."""
    if not 0.0 <= p < 1.0:
        raise BadParameter("p", f"must be between 0 and 1 (excluded), got {p:g}")
    at_least("seed", seed, 0)
    dropped = dropped_units(p, seed)
    fig = new_figure(height=2.4)
    full, thinned = fig.subplots(1, 2)
    _draw_network(full, [np.zeros_like(mask) for mask in dropped])
    _draw_network(thinned, dropped)
    full.set_title("standard", fontsize=FONT_SIZE + 1)
    thinned.set_title(f"dropout p={text_num(p)}", fontsize=FONT_SIZE + 1)
    return fig
