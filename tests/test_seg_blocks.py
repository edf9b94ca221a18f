"""Sampling, augmentation, losses, metrics: small tensors with hand-checked answers."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segmentation.augment import affine_matrices, augment_batch, drop_modalities
from segmentation.losses import boundary_loss, dice_bce_loss, loss_function, signed_distance, soft_dice_loss
from segmentation.metrics import dice, keep_large_components, largest_component
from segmentation.predict import postprocess
from segmentation.sampling import draw, gather, joint_weights, neighbour_index, slice_weights

torch.set_num_threads(2)


# --- sampling -----------------------------------------------------------------------------------------


def test_slice_weights_by_hand():
    # areas 0, 10, 30: total 40, mean 40/3; (a + 0.1 * 40/3) / (1.1 * 40)
    weights = slice_weights(np.array([0, 10, 30]))
    expected = (np.array([0, 10, 30]) + 4 / 3) / 44
    assert np.allclose(weights, expected) and weights.sum() == pytest.approx(1)


def test_slice_weights_empty_volume_uniform():
    assert np.allclose(slice_weights(np.zeros(4)), 0.25)


def test_joint_weights_volume_uniform_then_area():
    areas = np.array([0, 10, 30, 5, 5, 99])
    weights = joint_weights(areas, np.array([0, 3]), np.array([3, 2])).numpy()
    assert weights[5] == 0  # not a training slice
    assert weights[:3].sum() == pytest.approx(0.5) and weights[3:5].sum() == pytest.approx(0.5)
    assert np.allclose(weights[3:5], 0.25)


def test_background_weight_sets_share_of_empty_slices():
    # one volume, 3 tumour slices of area 10 and 7 empty ones: mean area 3; an empty slice weighs b · 3
    areas = np.array([10, 10, 10, 0, 0, 0, 0, 0, 0, 0])
    for background, empty_share in ((0.1, 7 * 0.3 / 33), (1.0, 7 * 3 / 60)):
        weights = slice_weights(areas, background=background)
        assert weights[3:].sum() == pytest.approx(empty_share)
    joint = joint_weights(areas, np.array([0]), np.array([10]), background=1.0).numpy()
    assert np.allclose(joint, slice_weights(areas, background=1.0))


def test_draw_frequencies_and_seed():
    weights = torch.tensor([0.1, 0.0, 0.9], dtype=torch.float64)
    first = draw(weights, 20_000, generator=torch.Generator().manual_seed(3))
    again = draw(weights, 20_000, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, again)
    assert (first == 1).sum() == 0
    assert (first == 2).float().mean().item() == pytest.approx(0.9, abs=0.01)


def test_neighbour_index_clamps_within_volume():
    index = neighbour_index(np.array([0, 3]), np.array([3, 2]), 5, context=1).numpy()
    assert index.tolist() == [[0, 0, 1], [0, 1, 2], [1, 2, 2], [3, 3, 4], [3, 4, 4]]


def test_gather_2d_and_25d():
    images = torch.arange(5, dtype=torch.float32)[:, None, None, None].expand(5, 3, 4, 4).contiguous()
    masks = torch.arange(5)[:, None, None].expand(5, 4, 4) % 2 == 1
    bank = SimpleNamespace(decode=lambda index: images[index], mask=lambda index: masks[index])
    x, y = gather(bank, torch.tensor([1, 4]))
    assert x.shape == (2, 3, 4, 4) and x.dtype == torch.float32 and y.shape == (2, 1, 4, 4)
    assert y[:, 0, 0, 0].tolist() == [1.0, 0.0]
    neighbours = neighbour_index(np.array([0, 3]), np.array([3, 2]), 5, context=1)
    x, _ = gather(bank, torch.tensor([1, 4]), neighbours)
    assert x.shape == (2, 9, 4, 4)
    assert x[:, ::3, 0, 0].tolist() == [[0, 1, 2], [3, 4, 4]]


# --- augmentation -------------------------------------------------------------------------------------


def test_no_augmentation_is_identity():
    images, masks = torch.randn(2, 3, 8, 8), (torch.rand(2, 1, 8, 8) > 0.5).float()
    out, out_masks = augment_batch(
        images, masks, generator=torch.Generator(), scale=0, angle=0, flip=0, jitter=0
    )
    assert torch.equal(out, images) and torch.equal(out_masks, masks)


def test_flip_only_is_exact_mirror():
    images, masks = torch.randn(2, 3, 8, 8), (torch.rand(2, 1, 8, 8) > 0.5).float()
    out, out_masks = augment_batch(
        images, masks, generator=torch.Generator(), scale=0, angle=0, flip=1, jitter=0
    )
    assert torch.allclose(out, images.flip(-1), atol=1e-5)
    assert torch.equal(out_masks, masks.flip(-1))


def test_affine_matrix_ranges():
    matrices = affine_matrices(
        1000, generator=torch.Generator().manual_seed(0), scale=0.05, angle=15, flip=0.5
    )
    det = torch.linalg.det(matrices[:, :, :2].double())
    zoom = 1 / det.abs().sqrt()
    assert zoom.min() >= 0.95 - 1e-6 and zoom.max() <= 1.05 + 1e-6
    assert (det < 0).float().mean().item() == pytest.approx(0.5, abs=0.06)  # flipped half the time
    angle = torch.rad2deg(torch.atan2(-matrices[:, 0, 1], matrices[:, 1, 1]))  # M = R(θ) diag(f, 1) / s
    assert angle.abs().max() <= 15 + 1e-3 and angle.abs().max() > 14


def test_augmentation_keeps_image_and_mask_aligned():
    # the mask is exactly where channel 0 is bright; after any transform they still coincide
    masks = torch.zeros(8, 1, 32, 32)
    masks[:, :, 10:22, 8:20] = 1
    images = masks.expand(8, 3, 32, 32) * 4.0
    out, out_masks = augment_batch(images, masks, generator=torch.Generator().manual_seed(1), jitter=0)
    assert set(out_masks.unique().tolist()) <= {0.0, 1.0}
    agree = ((out[:, :1] > 2.0) == (out_masks > 0.5)).float().mean()
    assert agree > 0.999
    assert not torch.equal(out_masks, masks)


def test_jitter_same_per_modality_across_neighbours():
    images = torch.ones(4, 9, 8, 8)
    out, _ = augment_batch(
        images, torch.zeros(4, 1, 8, 8), generator=torch.Generator().manual_seed(0), scale=0, angle=0, flip=0,
        jitter=0.2,
    )  # fmt: skip
    grouped = out.reshape(4, 3, 3, 8, 8)
    assert torch.allclose(grouped[:, 0], grouped[:, 2])
    assert ((out - 1).abs() <= 0.2 * 1 + 0.2 + 1e-6).all()


def test_augmentation_deterministic_given_generator():
    images, masks = torch.randn(4, 3, 16, 16), (torch.rand(4, 1, 16, 16) > 0.5).float()
    a = augment_batch(images, masks, generator=torch.Generator().manual_seed(7))
    b = augment_batch(images, masks, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


# --- losses -------------------------------------------------------------------------------------------


def test_soft_dice_by_hand():
    # p = 0.5 everywhere; target has 2 of 4 pixels: (2·1 + 1) / (2 + 2 + 1) = 3/5
    logits = torch.zeros(1, 1, 2, 2)
    target = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    assert soft_dice_loss(logits, target).item() == pytest.approx(1 - 3 / 5)


def test_soft_dice_perfect_and_empty():
    target = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert soft_dice_loss(target * 40 - 20, target).item() == pytest.approx(0, abs=1e-6)
    assert soft_dice_loss(torch.full((1, 1, 2, 2), -40.0), torch.zeros(1, 1, 2, 2)).item() == pytest.approx(0)


def test_dice_bce_is_sum_and_matches_torch_bce():
    logits, target = torch.randn(2, 1, 4, 4), (torch.rand(2, 1, 4, 4) > 0.5).float()
    bce = F.binary_cross_entropy(torch.sigmoid(logits), target)
    assert dice_bce_loss(logits, target).item() == pytest.approx(
        soft_dice_loss(logits, target).item() + bce.item()
    )


def test_loss_by_name():
    logits, target = torch.randn(2, 1, 8, 8), (torch.rand(2, 1, 8, 8) > 0.5).float()
    assert loss_function("dice")(logits, target, epoch=3).item() == soft_dice_loss(logits, target).item()
    assert loss_function("dice+bce")(logits, target, epoch=3).item() == dice_bce_loss(logits, target).item()
    ramped = [loss_function("dice+boundary")(logits, target, epoch=e).item() for e in (1, 2, 10)]
    base, term = soft_dice_loss(logits, target).item(), boundary_loss(logits, target).item()
    assert ramped == pytest.approx([base + 0.01 * e * term for e in (1, 2, 10)])  # Kervadec's schedule
    with pytest.raises(ValueError, match="loss is 'focal'"):
        loss_function("focal")


def test_signed_distance_by_hand_and_by_brute_force():
    row = torch.tensor([0, 0, 1, 1, 1, 0], dtype=torch.float32).reshape(1, 1, 1, 6)
    # outside: distance to the nearest tumour pixel; inside: minus (distance to the nearest background - 1)
    assert signed_distance(row).reshape(-1).tolist() == [2, 1, 0, -1, 0, 1]
    mask = torch.from_numpy(np.random.default_rng(0).random((2, 1, 9, 7)) > 0.6).float()
    mask[1] = 0  # no tumour: no boundary, no term
    phi = signed_distance(mask).numpy()
    inside = mask.numpy()[0, 0] > 0
    points = np.argwhere(np.ones_like(inside))
    for r, c in points:
        other = np.argwhere(~inside if inside[r, c] else inside)
        nearest = np.sqrt(((other - (r, c)) ** 2).sum(axis=1)).min()
        assert phi[0, 0, r, c] == pytest.approx(-(nearest - 1) if inside[r, c] else nearest)
    assert not phi[1].any()


def test_boundary_loss_is_lowest_for_the_target_and_grows_with_the_errors_distance():
    target = torch.zeros(1, 1, 16, 16)
    target[..., 4:10, 4:10] = 1

    def loss_of(mask):
        return boundary_loss(torch.where(mask > 0, 20.0, -20.0), target).item()

    near, far = target.clone(), target.clone()
    near[..., 4:10, 10] = 1  # one column of false positives touching the tumour
    far[..., 4:10, 15] = 1  # the same number, five pixels further out
    assert loss_of(target) < loss_of(near) < loss_of(far)


# --- metrics ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1, 1, 0, 0], [1, 0, 0, 0], 2 / 3),
        ([0, 0], [0, 0], 1.0),
        ([1, 0], [0, 0], 0.0),
        ([1, 1], [1, 1], 1.0),
    ],
)
def test_dice_by_hand(a, b, expected):
    shape = (1, 1, len(a))
    assert dice(np.array(a, bool).reshape(shape), np.array(b, bool).reshape(shape)) == pytest.approx(expected)


def test_largest_component_26_connected():
    mask = np.zeros((3, 5, 5), dtype=bool)
    mask[0, 0, 0] = mask[1, 1, 1] = mask[2, 2, 2] = True  # diagonal chain: one component in 26-connectivity
    mask[0, 4, 4] = True
    kept = largest_component(mask)
    assert kept.sum() == 3 and not kept[0, 4, 4]
    assert not largest_component(np.zeros((2, 2, 2), bool)).any()


def test_component_with_the_largest_probability_mass():
    probabilities = np.zeros((1, 1, 9), np.float32)
    probabilities[0, 0, :4] = 0.55  # a large, doubtful blob: 4 voxels, mass 2.2
    probabilities[0, 0, 6:9] = 0.95  # a smaller, confident one: 3 voxels, mass 2.85
    by_volume = postprocess(probabilities, threshold=0.5, connectivity=6)
    by_mass = postprocess(probabilities, threshold=0.5, connectivity=6, rank="mass")
    assert by_volume[0, 0].tolist() == [True] * 4 + [False] * 5
    assert by_mass[0, 0].tolist() == [False] * 6 + [True] * 3
    # keep components of at least 0.8 x the largest mass: 2.2 < 0.8 x 2.85 = 2.28 drops the doubtful one
    assert postprocess(probabilities, keep=0.8, connectivity=6, rank="mass").sum() == 3
    assert postprocess(probabilities, keep=0.7, connectivity=6, rank="mass").sum() == 7
    with pytest.raises(ValueError, match="rank is 'area'; expected one of volume, mass"):
        postprocess(probabilities, rank="area")
    with pytest.raises(ValueError, match="weights are"):
        largest_component(probabilities >= 0.5, weights=np.ones((2, 2)))


# --- modality dropout and large components ------------------------------------------------------------


def _distinct_channels(n: int, groups: int = 1) -> torch.Tensor:
    """(n, 3 × groups, 2, 2): channel c of group g holds 10 g + c everywhere."""
    values = torch.tensor([[10.0 * g + c for c in range(3)] for g in range(groups)]).reshape(-1)
    return values[None, :, None, None].expand(n, 3 * groups, 2, 2).clone()


def test_modality_dropout_copies_flair_exactly():
    images = _distinct_channels(3000)
    out = drop_modalities(images, generator=torch.Generator().manual_seed(0), p=0.25)
    pre, flair, post = (out[:, c, 0, 0] for c in range(3))
    assert torch.equal(flair, images[:, 1, 0, 0])  # FLAIR itself never changes
    assert set(pre.unique().tolist()) <= {0.0, 1.0} and set(post.unique().tolist()) <= {1.0, 2.0}
    kinds = {
        "pre": (pre == 1) & (post == 2),
        "post": (pre == 0) & (post == 1),
        "both": (pre == 1) & (post == 1),
    }
    changed = sum(kind.float().mean().item() for kind in kinds.values())
    assert changed == pytest.approx(0.25, abs=0.03)
    for kind in kinds.values():  # pre only, post only, both: a third of the changed samples each
        assert kind.float().mean().item() == pytest.approx(0.25 / 3, abs=0.02)
    assert torch.equal(out[:, :, 1, 1], out[:, :, 0, 0])  # whole channels are replaced


def test_modality_dropout_all_or_nothing_and_per_neighbour():
    images = _distinct_channels(50, groups=3)  # 2.5D: three neighbours of three modalities
    out = drop_modalities(images, generator=torch.Generator().manual_seed(1), p=1.0)
    grouped = out[:, :, 0, 0].reshape(50, 3, 3)
    assert torch.equal(grouped[:, :, 1], images[:, 1::3, 0, 0])
    changed = grouped != images[:, :, 0, 0].reshape(50, 3, 3)
    assert changed.any(dim=(1, 2)).all()  # p = 1: every sample loses at least one modality
    assert (changed == changed[:, :1]).all()  # every neighbour of a sample alike
    same = drop_modalities(images, generator=torch.Generator().manual_seed(1), p=0.0)
    assert torch.equal(same, images)


def test_augment_batch_modality_dropout_option():
    images, masks = _distinct_channels(64), torch.zeros(64, 1, 2, 2)
    off = augment_batch(images, masks, generator=torch.Generator(), scale=0, angle=0, flip=0, jitter=0)
    assert torch.equal(off[0], images)  # the default: no dropout (the reference)
    out, _ = augment_batch(
        images, masks, generator=torch.Generator().manual_seed(0), scale=0, angle=0, flip=0, jitter=0.2,
        modality_dropout=1.0,
    )  # fmt: skip
    flair = out[:, 1]
    assert ((out[:, 0] == flair) | (out[:, 2] == flair)).all()  # copies after the jitter: exact


def test_keep_large_components_by_hand():
    mask = np.zeros((3, 10, 10), bool)
    mask[:, 0:4, 0:4] = True  # 48 voxels, the largest
    mask[0:2, 7:10, 7:10] = True  # 18 voxels
    mask[2, 9, 0] = True  # 1 voxel
    sizes = {0.1: 48 + 18, 0.5: 48, 0.3: 48 + 18, 0.0: 48 + 18 + 1, 1.0: 48, 0.01: 48 + 18 + 1}
    for fraction, voxels in sizes.items():
        assert keep_large_components(mask, fraction=fraction).sum() == voxels, fraction
    assert np.array_equal(keep_large_components(mask, fraction=1.0), largest_component(mask))
    assert not keep_large_components(np.zeros((2, 2, 2), bool)).any()
    with pytest.raises(ValueError, match="fraction is 1.5"):
        keep_large_components(mask, fraction=1.5)


def test_keep_large_components_keeps_the_tumour_beside_a_larger_blob():
    # TCGA_CS_5397's failure: a false blob larger than the tumour; the largest-only rule keeps the blob
    truth = np.zeros((4, 12, 12), bool)
    truth[:, 1:4, 1:4] = True
    prediction = truth.copy()
    prediction[:, 6:11, 6:11] = True
    assert dice(largest_component(prediction), truth) == 0.0
    assert dice(keep_large_components(prediction, fraction=0.1), truth) == pytest.approx(2 * 36 / (36 + 136))
