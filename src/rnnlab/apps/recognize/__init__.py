"""Sequence recognition with CTC: speech and handwriting, the chapter's 6.1 "自动语音识别 ASR、手写文字识别"."""

from rnnlab.apps.recognize.app import APP, RecognizeConfig, transcribe_files

train, resume, load = APP.train, APP.resume, APP.load

__all__ = ["APP", "RecognizeConfig", "train", "resume", "load", "transcribe_files"]
