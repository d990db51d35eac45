"""Short chart names for the criteria (the radar's spokes: two or three words, never cut), and
those of the default framework "CSO 5.0". Display only: a frozen framework version gets them too,
since no score depends on them. Idempotent; a criterion that already has one keeps it."""

from django.db import migrations, models


SHORT_LABELS = {
    "cond_tools": ("Outils du support", "Support tools"),
    "cond_resources": ("Ressources et projets", "Resources and projects"),
    "cond_cross_dept": ("Dialogue transverse", "Cross-department dialogue"),
    "cond_meaning": ("Sens et cap", "Meaning and course"),
    "bp_profitability": ("Rentabilité", "Profitability"),
    "bp_information": ("Information utile", "Useful information"),
    "bp_sparring_swot": ("Sparring-partner (SWOT)", "Sparring partner (SWOT)"),
    "bp_modelling": ("Modélisation", "Modelling"),
    "ent_service_catalogue": ("Catalogue de services", "Service catalogue"),
    "ent_client_satisfaction": ("Satisfaction des clients", "Client satisfaction"),
    "ent_new_offers": ("Nouvelles offres", "New offers"),
    "ent_change_innovation": ("Changement continu", "Continuous change"),
    "post_entrepreneurial": ("Posture entrepreneuriale", "Entrepreneurial stance"),
    "post_data_process": ("Données et processus", "Data and processes"),
    "post_communication": ("Communication", "Communication"),
    "post_innovation": ("Goût de l’innovation", "Passion for innovation"),
}


def fill_short_labels(apps, schema_editor):
    Criterion = apps.get_model("assessments", "Criterion")
    for code, (short_fr, short_en) in SHORT_LABELS.items():
        Criterion.objects.filter(code=code, short_label_fr="").update(short_label_fr=short_fr)
        Criterion.objects.filter(code=code, short_label_en="").update(short_label_en=short_en)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_default_framework'),
    ]

    operations = [
        migrations.AddField(
            model_name='criterion',
            name='short_label_en',
            field=models.CharField(blank=True, max_length=40, verbose_name='short label (English)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='short_label_fr',
            field=models.CharField(blank=True, max_length=40, verbose_name='short label (French)'),
        ),
        migrations.RunPython(fill_short_labels, migrations.RunPython.noop),
    ]
