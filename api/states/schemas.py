from api.schemas import OutputModel


class StateOut(OutputModel):
    code: str
    inegi_code: str
    name: str
    short_names: list[str]
