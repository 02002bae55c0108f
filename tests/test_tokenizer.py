import pickle

import pytest

from conftest import SAMPLES
from nlp.text.document import Document
from nlp.io.workers import map_in_workers
from nlp.text.tokenizer import DictionaryError, Tokenizer, validate_userdict


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


def test_domain_words_stay_whole(tok):
    words = tok("加强政务新媒体管理，推进网站集约化，做好依申请公开和保密审查，核对勾稽关系。")
    for term in ("政务新媒体", "网站集约化", "依申请公开", "保密审查", "勾稽关系"):
        assert term in words, words
    assert "的" not in tok("政府信息公开的工作") and "，" not in words


def test_tokenizer_pickles_and_gives_same_tokens(tok):
    text = Document.from_path(SAMPLES / "003_7859ced941c8677a.txt").segments[5].text
    clone = pickle.loads(pickle.dumps(tok))
    assert clone(text) == tok(text) and clone.hash == tok.hash


def test_hash_changes_with_dictionary(tmp_path, tok):
    custom = tmp_path / "dict.txt"
    custom.write_text("政务公开 3000 n\n", encoding="utf-8")
    assert Tokenizer(userdict=custom).hash != tok.hash


@pytest.mark.parametrize("content,problem", [
    (b"\xef\xbb\xbf\xe6\x94\xbf\xe5\x8a\xa1 10 n\n", "line 1: starts with a UTF-8 byte-order mark"),
    ("政务公开 10 n\r\n依申请公开 5 n\r\n".encode(), "line 1: Windows line ending"),
    ("政务公开 10 n\n依申请公开\n".encode(), "line 2: '依申请公开' has no frequency"),
])
def test_bad_user_dictionary_names_the_line(tmp_path, content, problem):
    path = tmp_path / "userdict.txt"
    path.write_bytes(content)
    with pytest.raises(DictionaryError, match=problem) as err:
        validate_userdict(path)
    assert str(path) in str(err.value)


def test_process_pool_matches_serial(tok):
    doc = Document.from_path(SAMPLES / "004_29196fa5befbfdb4.txt")
    texts = [s.text for s in doc.segments]
    assert list(map_in_workers(_cut, texts, 2, context=tok, chunksize=8)) == [tok(t) for t in texts]


def _cut(tokenizer, text):
    return tokenizer(text)
