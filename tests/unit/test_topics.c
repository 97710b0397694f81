/* Unit tests of the bundled topic rules: per topic of the codebook (corpus
 * GUIDE.md, Topics), sentences written from its definition that must get the
 * topic, and sentences that must not (often with a word that misleads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_classify.h"
#include "harness.h"

static bp_classifier *bc;

/* Whether the bundled rules give text the topic id. */
static int has(const char *text, const char *id)
{
	bp_tags tg;
	bp_error err;

	if (bp_classifier_run(bc, text, strlen(text), 0, &tg, &err) != BP_OK)
		return -1;
	for (size_t i = 0; i < tg.ntopics; i++)
		if (strcmp(tg.topics[i].id, id) == 0)
			return 1;
	return 0;
}

#define YES(text, id) CHECK_INT(has(text, id), 1)
#define NO(text, id) CHECK_INT(has(text, id), 0)

TEST(armed_conflict)
{
	YES("Heavy fighting and artillery shelling continued along the front line overnight, "
	    "and both sides reported casualties.", "armed-conflict");
	YES("The parties agreed to a ceasefire to end the hostilities.", "armed-conflict");
	NO("The trade war between the two economies has hurt exporters.", "armed-conflict");
}

TEST(terrorism)
{
	YES("The bombing was claimed by a terrorist group linked to ISIS.", "terrorism");
	YES("Counter-terrorism cooperation against extremist networks was discussed.", "terrorism");
	NO("Hackers carried out a cyberattack on the ministry's servers.", "terrorism");
}

TEST(military_security)
{
	YES("The alliance will deploy additional troops and warships for joint military "
	    "exercises.", "military-security");
	YES("Arms deliveries and military-technical cooperation were on the agenda of the "
	    "defence ministers.", "military-security");
	NO("The central bank cut interest rates to support exporters.", "military-security");
}

TEST(arms_control)
{
	YES("The treaty limits nuclear warheads and deployed ballistic missiles.", "arms-control");
	YES("Inspectors from the OPCW are investigating the use of chemical weapons.",
	    "arms-control");
	NO("The nuclear power plant will supply electricity to the region.", "arms-control");
}

TEST(diplomacy)
{
	YES("The foreign ministers held talks in Geneva and agreed to continue consultations.",
	    "diplomacy");
	YES("The new ambassador presented his credentials during an official visit.",
	    "diplomacy");
	NO("The football team won the championship final.", "diplomacy");
}

TEST(multilateral)
{
	YES("The UN Security Council adopted a resolution on the crisis.", "multilateral");
	YES("The BRICS and G20 summits will discuss the reform of international "
	    "organisations.", "multilateral");
	NO("The two neighbours signed a bilateral agreement on fisheries.", "multilateral");
}

TEST(sanctions)
{
	YES("The government imposed new sanctions, including asset freezes and export controls "
	    "on technology firms.", "sanctions");
	YES("Washington added the companies to its entity list and expelled ten diplomats.",
	    "sanctions");
	NO("The ministers discussed trade and investment in the energy sector.", "sanctions");
}

TEST(cyber)
{
	YES("Hackers used ransomware to encrypt the hospital's computers.", "cyber");
	YES("The intrusion was a supply-chain attack through compromised software updates.",
	    "cyber");
	NO("The farmers harvested wheat despite the drought.", "cyber");
}

TEST(media)
{
	YES("Journalists from several newspapers and television channels were denied "
	    "accreditation.", "media");
	YES("The campaign of disinformation and propaganda targeted foreign audiences.", "media");
	NO("The athletes trained for the Olympic Games.", "media");
}

TEST(human_rights)
{
	YES("Activists reported torture of political prisoners and persecution of dissidents.",
	    "human-rights");
	YES("The report documents violations of the rights of national minorities.",
	    "human-rights");
	NO("The central bank raised interest rates.", "human-rights");
}

TEST(humanitarian)
{
	YES("Aid convoys delivered food and medicine to civilians through humanitarian "
	    "corridors.", "humanitarian");
	YES("Refugees and internally displaced persons still need shelter.", "humanitarian");
	NO("The delegation discussed the new gas pipeline.", "humanitarian");
}

TEST(migration)
{
	YES("Thousands of migrants tried to cross the border, and many applied for asylum.",
	    "migration");
	YES("The deportation of illegal immigrants was suspended.", "migration");
	NO("The orchestra performed a concert of works by Tchaikovsky.", "migration");
}

TEST(consular)
{
	YES("The consulate is helping citizens stranded abroad and issuing visas for their "
	    "return.", "consular");
	YES("Two nationals were kidnapped, and the consul is seeking their release.", "consular");
	NO("The orchestra performed a concert of works by Tchaikovsky.", "consular");
}

TEST(elections)
{
	YES("Voters went to the polls in the presidential election, and turnout was high.",
	    "elections");
	YES("The referendum on the new constitution was boycotted by the opposition.",
	    "elections");
	NO("The electric grid failed after the storm.", "elections");
}

TEST(economy)
{
	YES("Trade turnover and investment grew, and the two countries agreed on joint energy "
	    "projects.", "economy");
	YES("Gas prices rose after the pipeline was shut.", "economy");
	NO("The refugees need shelter and medicine.", "economy");
}

TEST(health)
{
	YES("The pandemic forced hospitals to impose quarantine and vaccinate health workers.",
	    "health");
	YES("The WHO warned of a new outbreak of the virus.", "health");
	NO("The festival opened with a concert.", "health");
}

TEST(history)
{
	YES("Veterans laid wreaths at the memorial on the anniversary of the victory in the "
	    "Second World War.", "history");
	YES("The desecration of monuments to Soviet soldiers distorts historical memory.",
	    "history");
	NO("The ministers discussed the new visa rules.", "history");
}

TEST(law)
{
	YES("The court ruled that the seizure violated international law.", "law");
	YES("Prosecutors filed charges, and the judge set a date for the verdict.", "law");
	NO("The athletes trained for the championship.", "law");
}

TEST(territory)
{
	YES("The dispute over sovereignty of the islands remains unresolved.", "territory");
	YES("The status of the region and the country's territorial integrity were discussed.",
	    "territory");
	NO("The concert was held in the capital.", "territory");
}

TEST(culture)
{
	YES("Students and teachers from both universities took part in the cultural exchange "
	    "programme.", "culture");
	YES("The museum opened an exhibition of contemporary art, and the festival hosted "
	    "concerts.", "culture");
	NO("The army shelled the villages.", "culture");
}

int main(void)
{
	bp_rules *rules;
	bp_error err;

	if (bp_rules_load(NULL, &rules, &err) != BP_OK || !(bc = bp_classifier_new(rules))) {
		printf("FAIL - loading the bundled rules\n");
		return 1;
	}
	RUN(armed_conflict);
	RUN(terrorism);
	RUN(military_security);
	RUN(arms_control);
	RUN(diplomacy);
	RUN(multilateral);
	RUN(sanctions);
	RUN(cyber);
	RUN(media);
	RUN(human_rights);
	RUN(humanitarian);
	RUN(migration);
	RUN(consular);
	RUN(elections);
	RUN(economy);
	RUN(health);
	RUN(history);
	RUN(law);
	RUN(territory);
	RUN(culture);
	bp_classifier_free(bc);
	bp_rules_free(rules);
	return DONE();
}
