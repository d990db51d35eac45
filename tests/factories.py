"""factory_boy factories shared by the tests. Fictional people, example.org e-mails."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from candidates.models import Application, Candidate, Company, Mandate, Stage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-1234")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Société Fictive {n}")
    city = "Lyon"


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    title = "Chief Support Officer"
    slug = factory.Sequence(lambda n: f"mandat-{n}")
    ceo = factory.SubFactory(UserFactory, groups=["ceo"])

    @factory.post_generation
    def recruiters(self, create, extracted, **kwargs):
        if create:
            self.recruiters.add(*(extracted or [UserFactory(groups=["recruiter"])]))

    @factory.post_generation
    def mediators(self, create, extracted, **kwargs):
        if create and extracted:
            self.mediators.add(*extracted)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    first_name = factory.Sequence(lambda n: f"Camille{n}")
    last_name = factory.Sequence(lambda n: f"Exemple{n}")
    email = factory.Sequence(lambda n: f"candidat{n}@example.org")
    years_finance = 3
    years_hr = 3
    years_legal = 2
    years_it = 2


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    mandate = factory.SubFactory(MandateFactory)
    stage = Stage.SOURCED
