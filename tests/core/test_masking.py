import pytest

from pingan.core.masking import mask_address, mask_id_number, mask_name, mask_phone, mask_point


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("530623199001011234", "530623********1234"),
        ("11010519491231002X", "110105********002X"),
        ("110105491231002", "110105*****1002"),
        (" 530623199001011234 ", "530623********1234"),
        ("1234567890", "**********"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0871-12345678", "087******5678"),
        ("12345", "***45"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("买买提·艾力", "买****力"),
        ("张", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("云南省昭通市昭阳区凤凰街道太平社区12号", "云南省昭通市****"),
        ("云南省昭通市", "云南****"),
        ("", ""),
    ],
)
def test_mask_address(value, masked):
    assert mask_address(value) == masked


def test_mask_point_rounds_to_about_a_kilometre():
    assert mask_point(103.716835, 27.338257) == (103.72, 27.34)
    assert mask_point(-0.004, 0.005) == (-0.0, 0.01)
    assert mask_point(None, 27.3) is None
    assert mask_point(103.7, None) is None
