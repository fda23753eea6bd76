"""A case's workplace numbers: the CVR number of the business and the P-number of the place
of work, checked and written the one way they are stored.

Pure: no database, no HTTP; the CVR check digit is python-stdnum's (`stdnum.dk.cvr`).
"""

from stdnum.dk import cvr
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError


class InvalidCvr(ValueError):
    """Not a CVR number; the message says why, for the adviser."""


class InvalidPNumber(ValueError):
    """Not a P-number; the message says why, for the adviser."""


def normalise_cvr(value: str) -> str:
    """The CVR number's 8 digits, without spaces or a DK prefix, or InvalidCvr."""
    try:
        return str(cvr.validate(value))
    except InvalidLength as error:
        raise InvalidCvr("a CVR number has 8 digits") from error
    except InvalidFormat as error:
        # stdnum reports both letters and a leading zero as a bad format.
        compact = cvr.compact(value)
        if compact.isascii() and compact.isdigit() and len(compact) == 8:
            raise InvalidCvr("a CVR number does not start with 0") from error
        raise InvalidCvr("a CVR number has 8 digits") from error
    except InvalidChecksum as error:
        raise InvalidCvr("the check digit is wrong") from error
    except ValidationError as error:
        raise InvalidCvr("this is not a CVR number") from error


def normalise_p_number(value: str) -> str:
    """The P-number's 10 digits, without spaces, or InvalidPNumber."""
    # A P-number has no check digit to test: its shape is all that can be checked here.
    digits = "".join(value.split())
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10):
        raise InvalidPNumber("a P-number has 10 digits")
    return digits
