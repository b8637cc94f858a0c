"""birdscan.train.average: the moving average of the weights, step by step against the formula."""

import torch

from birdscan.model import Detector, ModelConfig
from birdscan.train.average import WeightAverage


def test_weight_average_moves_each_float_entry_by_the_warmed_up_decay_and_copies_counts():
    torch.manual_seed(0)
    model = Detector(ModelConfig(channels=(4, 8, 8)))
    average = WeightAverage(model, decay=0.9)
    expected = {k: v.clone().double() for k, v in model.state_dict().items()}
    for n in range(25):
        with torch.no_grad():
            for v in model.state_dict().values():
                v.add_(torch.randn_like(v) if v.is_floating_point() else torch.ones_like(v))
        average.update(model)
        d = min(0.9, (1 + n) / (10 + n))  # 0.1 on the first step: the initial weights fade fast
        new = model.state_dict()
        expected = {k: d * e + (1 - d) * new[k].double() if new[k].is_floating_point() else new[k].clone()
                    for k, e in expected.items()}
    got = average.model.state_dict()
    assert average.updates == 25 and any(not v.is_floating_point() for v in got.values())  # batch-norm counts
    for k, v in got.items():
        if v.is_floating_point():
            torch.testing.assert_close(v.double(), expected[k], rtol=1e-5, atol=1e-6, msg=k)
            assert not torch.allclose(v, model.state_dict()[k])  # an average, not the last weights
        else:
            assert torch.equal(v, model.state_dict()[k]), k
    assert not any(p.requires_grad for p in average.model.parameters())


def test_the_average_state_goes_back_whole():
    torch.manual_seed(1)
    model = Detector(ModelConfig(channels=(4, 8, 8)))
    average = WeightAverage(model, decay=0.5)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    average.update(model)
    state = average.state()
    again = WeightAverage(Detector(ModelConfig(channels=(4, 8, 8))), decay=0.5)
    again.load(state)
    assert again.updates == 1
    for k, v in average.model.state_dict().items():
        assert torch.equal(v, again.model.state_dict()[k]), k
