"""Taxonomy zj-2026.12.39, from the twenty-eighth fresh split once dev (an Ili/Altay writer in
learner's Mandarin whose police calls had no rule word; Zigong, Handan and Ili callers whose
ordinary matters were KEPT). Police told by what happens: an old mother "到现在没有到" (没有 for
没), a field ploughed under by someone at night, a snowed-in family with the food gone and
someone ill. Ordinary matters the rules now name instead of the no-evidence fallback: a door
blown shut on the keys, a car blocked in, a gas card's top-up. Words said of something else:
a near miss at a hole, a phone "rung off the hook", a breaker hammering "from morning to
night", a neighbour's cattle in the crops, an emergency that might happen. Examples written
here, not copied from a labelled set; each beside a counterpart that must go the other way.
zj-2026.12.40, from the twenty-ninth split once dev (Baise and Hexi callers): fruit taken from
the trees overnight, a grandmother who "ran off" again (跑丢), a man who fell and lies still,
a parlour's stakes and losses, vice offered in a bath house. zj-2026.12.41, from the thirtieth
split once dev: children who went swimming and did not all come back; the caller's own
work crew (俺们一伙人), a denial of coming to make trouble (不是来闹事), a sofa's dent."""

from __future__ import annotations

import pytest

from tests.classify_support import fired, run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("奶奶年纪大了，记性不好，早上一个人坐公交去医院，到现在没有到", "safety:unreachable"),
        ("夜里不知道被人开拖拉机犁了一遍，地里的西瓜全完了", "safety:crops_destroyed"),
        ("大雪封山好几天了，家里吃的吃完了，孩子发烧，我们出不去", "safety:snowbound_in_need"),
        # zj-2026.12.40
        ("后山的核桃一夜被人摘光了，树底下全是脚印", "safety:crops_taken"),
        ("我爷爷有点糊涂，早上又跑丢了，到现在没找着", "safety:missing"),
        # zj-2026.12.65: a hit-and-run with the damage told between the blow and the flight, a
        # crowd that grows or is named by who it is
        (
            "我停在楼下的车叫人撞了，车门瘪进去一块，那辆面包车一脚油门就跑了，人没事",
            "safety:hit_and_run",
        ),
        ("工地门口坐了不少讨工钱的，人越聚越多，车都进不去了", "safety:crowd"),
        ("一群村民拿锄头把进村的路拦了，说是征地款没给够", "safety:crowd"),
        # zj-2026.12.68: a boarding pupil not in the dormitory, a search that found nobody
        ("老师打电话说孩子昨晚就没在宿舍，亲戚家都找遍了也没有", "safety:missing"),
        # zj-2026.12.69: a threat of not coming back out; plants counted, felled by night
        ("你再来要账，就让你在胶林里出不来", "safety:threat_said"),
        ("一晚上被人砍了两百多株，整整齐齐砍断的", "safety:crops_destroyed"),
        # zj-2026.12.71: a bike gone from where it stood; sand in a harvester's tank
        ("电动车搁澡堂门口停了不到一个钟头，出来就没影了，锁着呢", "safety:vehicle_gone"),
        ("谁往俺收割机油箱里灌沙子了？清早一打火就熄", "safety:damage"),
        ("工地上有个人碰到电线，一下倒地上了，喊他也不应", "safety:injury"),
        ("我爸天天泡在棋牌室，退休金全输光了，一把押几千", "safety:gambling_room"),
        ("住宾馆半夜有人打电话到房间，问要不要大保健", "safety:vice_offer"),
        # zj-2026.12.41
        ("四个孩子去河里游泳，只回来三个，问他们都说不清楚", "safety:swimmer_missing"),
        # zj-2026.12.46: the callers' own measures (坨 for 团, 口子人, 后生); a farewell message
        ("球场上两伙人扭成一坨，拉都拉不开", "safety:violence"),
        ("三四十口子人堵在公司门口不走，要说法", "safety:crowd"),
        ("二三十个后生围在网吧门口，要堵那个人", "safety:crowd"),
        ("我老婆刚发微信说孩子就交给你了，现在电话关机", "safety:self_harm"),
        # zj-2026.12.56 (a southern Hainan writer): a room opened by a landlord's locksmith; a
        # flat found emptied; trees felled by someone; a son dragged into a lane
        ("房东趁我上班叫人开锁进我屋，柜子都被翻过了，我没同意过", "safety:intruder"),
        ("过完冬回来一看，电视、热水器全没了，门锁倒是好的", "safety:theft"),
        ("我家十几棵果树给人砍了，刀口还是新的", "safety:crops_destroyed"),
        ("儿子昨晚被几个人拖到后巷，回来脸肿眼青", "safety:violence"),
        # zj-2026.12.52: 点 is to set alight (把房子点了), said as a condition on a complaint
        ("他放话了，我再去镇上告他，他就把俺家房子点了", "safety:threat"),
        # zj-2026.12.53: 还没下来 (not back down) and 黑天了 (dark, in northern word order)
        ("俺姥爷七十九了，后晌上山放羊，这都黑天了还没下来", "safety:unreachable"),
        # zj-2026.12.57: fruit trees sawn by someone at night; an old woman who cannot say
        # where she lives (说不明白)
        ("夜里不知道谁把我家二十棵梨树给锯了，都是挂果的", "safety:crops_destroyed"),
        ("超市门口有个老太太，问她住哪说不明白，穿着单衣直哆嗦", "safety:confused_elder"),
        # zj-2026.12.58: a case left since morning, heavy, that the caller dared not open
        ("地铁口有个旅行箱放了一上午没人要，我推了一下很沉，没敢打开", "safety:unattended_object"),
        # zj-2026.12.62: a marriage registered in the caller's name
        (
            "去民政局办手续，人家说我在外省已经登记结婚了，我根本没结过婚，是有人用我的名字",
            "safety:identity_misused",
        ),
        # zj-2026.12.61: an old man who does not know the way; an online seller gone
        ("路口有个老大爷转了半天，不认路，身上什么都没带", "safety:confused_elder"),
        ("网上团购付了两千块定金，给的单号是假的，商家账号已经注销了", "safety:sham_trade"),
        # zj-2026.12.60: money demanded with poison in the pond as the harm
        (
            "几个人说我的鱼塘占了他们的地盘，每年要交一万，不交就往塘里下药",
            "safety:coerced_payment",
        ),
        # zj-2026.12.73: held at sea to work off a debt; strangers living in the caller's
        # flat; a live-stream seller gone with the money
        ("我弟被渔船老板扣在渔船上，说欠的钱要拿干活抵，不准上岸", "safety:detention"),
        ("出差两个月回来，家门锁换了，里面住着人，说是中介租给他们的", "safety:intruder"),
        ("在直播间花了六千买了块玉，拿去一查证书编号查不到，主播的号也注销了", "safety:sham_trade"),
        # zj-2026.12.74: "life is pointless" in southwestern Mandarin, said on the phone
        ("我爸刚打电话讲活起没得意思，莫管他了，现在电话打不通", "safety:self_harm"),
        # zj-2026.12.75: a road blocked by villagers with their tricycles
        ("厂门口的路被村民用三轮车堵住了，说厂里排的气熏人，货车进不去", "safety:crowd"),
        # zj-2026.12.78: a landlord's search of the caller's room; a greenhouse slashed
        ("下班回来发现房东带人进我屋了，东西全翻过，也没跟我说一声", "safety:intruder"),
        ("俺家草莓大棚让人给豁了，塑料布让刀拉得稀烂", "safety:damage"),
        # zj-2026.12.79: a card registered to a company in the caller's name; a debtor held in a
        # cave dwelling
        (
            "去银行办卡，人家说我身份证在外省注册了个公司，我是法人，我从没开过什么公司",
            "safety:identity_misused",
        ),
        ("俺大哥把欠他钱的人锁在一孔窑里一天一夜了，俺劝不住", "safety:detention"),
        # zj-2026.12.80: a marriage registered in the caller's name; a grandchild separated in a
        # crowd; a passenger grabbing the wheel
        (
            "我从来没结过婚，去办证窗口说我已经结了婚，配偶是个我认都不认识的人",
            "safety:identity_misused",
        ),
        ("庙会上人挤人，我孙女跟我走散了，找了半个钟头没找着", "safety:missing"),
        ("网约车后座的乘客喝多了，突然伸手抢方向盘，差点撞上护栏", "safety:violence"),
        # zj-2026.12.82: people standing in a road and stopping its traffic
        ("商场关门跑路，会员全堵在门口，已经站到马路上了，半条路都过不去车", "safety:sit_in"),
        ("大巴半路抛锚，乘客下车站在马路中间拦别的车，要司机退票", "safety:sit_in"),
        # zj-2026.12.83: goods shown false by an appraisal and the seller gone; fees for a
        # favour and the collector's room empty; a wall collapsed, told in Cantonese
        (
            "在古玩店花三万买了个青花瓶，找人一看是新仿的，再打老板电话不接了",
            "safety:appraised_fake_gone",
        ),
        ("直播间买的翡翠手镯经鉴定为玻璃，主播已经把我拉黑了", "safety:appraised_fake_gone"),
        (
            "有人说能帮我们办低保，每户先交八百材料费，现在他租的房子空了",
            "safety:arranged_fee_fraud",
        ),
        ("屋后面嗰幅墙冧咗落嚟，我阿妈喺下面，叫佢都唔出声", "safety:danger"),
        # zj-2026.12.84: a veiled warning about the caller's child on the way to school; the
        # money paid and the seller gone in one breath
        ("要了三回账，他撂下话，你闺女放学路上仔细着点", "safety:school_route_warning"),
        ("网上订了两百斤花生种，钱一交店铺就没了，留的电话是空号", "safety:sham_trade"),
        # zj-2026.12.85: a theft in the spoken passive (让人/叫人 with a thief's verb); a parcel's
        # three signs over four clauses
        ("放门口的钓竿叫人顺走了，也就一袋烟的工夫", "safety:theft"),
        (
            "公交站长椅底下有个纸箱，缠着胶带，里面有电线，半天了没人认领",
            "safety:unattended_object",
        ),
        # zj-2026.12.86: trees ringed by an unknown hand; trade certificates forged
        ("果园里的柑子树，不知道是哪个把树皮剥了一圈，要死了", "safety:crops_destroyed"),
        ("镇上有个打印店给人做假的焊工证，三百块一本", "safety:forgery_sold"),
        # zj-2026.12.88: a car stuck in sand far from help
        ("车陷沙窝子里了，四周啥也没有，手机就一格信号", "safety:car_stuck_far_from_help"),
        # zj-2026.12.90: a mother unreachable is still one, beside the power station's line
        ("我妈七十多了一个人住，两天了电话一直打不通", "safety:unreachable"),
        # zj-2026.12.92: keys locked in a car with a person left inside
        ("钥匙锁在车上了，老人还在车上，太阳晒得厉害", "safety:left_in_locked_car"),
        # zj-2026.12.93: a burn told by how it looks
        ("我奶奶烧火时栽到灶上，手烫得不成样子，要赶紧送医院", "safety:injury"),
    ],
)
def test_police_matters_told_by_what_happens_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), (c.rule_id, sorted(signs(c)))
    assert c.is_police_matter


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        # snow with no one in need; a field ploughed by its owner
        ("雪太大了，小区门口的路出不去车，物业一直不来扫", "safety:snowbound_in_need"),
        ("今天用拖拉机犁了一遍地，准备下周种西瓜", "safety:crops_destroyed"),
        # a near miss, a phone rung off the hook, a breaker all day, cattle in the crops
        ("路口井盖没了，刚才有个骑车的差点掉进去，请派人来盖上", "safety:danger"),
        ("催收的天天打，电话都要被打爆了，我到底该还多少", "safety:violence"),
        ("对面工地破碎锤从早砸到晚，孩子没法上网课", "safety:danger"),
        # zj-2026.12.40: a harvest by its owners; a noisy parlour; a hotel's own offer
        ("核桃熟了，我们一家摘了一大片，拉去集上卖", "safety:crops_taken"),
        ("楼下麻将馆天天吵到半夜，我们都睡不着", "safety:gambling_room"),
        ("酒店房间空调坏了，前台问要不要换个房间", "safety:vice_offer"),
        # zj-2026.12.41: swimmers with no one missing; the caller's crew; a sofa's dent
        ("水库边老有人游泳，希望多立几块警示牌", "safety:swimmer_missing"),
        ("我们一伙人在工地干了三个月，工钱一分没拿到，该找哪个部门", "safety:crowd"),
        ("沙发搬进来时就塌了个坑，房东还说是我坐坏的要扣押金", "safety:danger"),
        # an emergency that might happen, on 12345
        ("山里信号差，老人遇到急事联系不上，希望多建基站", "safety:missing"),
        # zj-2026.12.46: locked out is not locked in; a worry for a child is no harm
        ("我跟我老公吵了几句，他把我关在门外不让进，我钥匙也没带", "safety:confined"),
        ("小区滑梯坏了一块板，担心孩子玩的时候划伤", "safety:injury"),
        # zj-2026.12.48: 勿 for 不; a war film called 打仗的片子; a broom handle used as a gun
        ("燃气表勿进气，阿拉闻过了，勿是漏气，就是没气", "safety:gas"),
        ("楼下天天看打仗的片子，机枪哒哒哒，吵得睡不着", "safety:weapon"),
        ("两个小囡拿扫帚当枪玩，把窗玻璃打碎了，要赔多少", "safety:armed"),
        # zj-2026.12.51: Jin 日塌了 ("ruined"); a theft denied with the passive 让
        ("买的葱苗栽下去全蔫了，这一季算是日塌了，店家不认", "safety:danger"),
        ("钱包找不到了，不是让人偷的，是我自己放错了地方", "safety:theft"),
        # zj-2026.12.52: a near fight parted; workers waiting for pay; a theft first supposed;
        # a find someone might take
        ("两家为宅基地吵了一架，差点打起来，叫邻居拉开了，现在想找人调解", "safety:violence"),
        ("工程款欠了一年，工人们都等着我发工资呢", "safety:threat"),
        ("车找不着了，俺还寻思让人偷了，后来才知道是被拖走了", "safety:theft"),
        ("河滩上有条死了的大鱼，怕被人拿走，请渔政来看看", "safety:carried_off"),
        # zj-2026.12.53: a pot on no fire; a broken lift as confinement by comparison; no gas
        # smelled (闻见); a child accused of stealing; a name carved with a knife
        ("出门扔垃圾门叫风带上了，钥匙在屋里，灶上也没坐着火", "safety:fire"),
        ("电梯坏了半个月，我妈腿脚不好，等于被关在屋里半个月", "safety:detention"),
        ("家里燃气火小得很，没闻见漏气的味儿，就是不够使", "safety:gas"),
        ("跟邻居吵了几句，她说俺孩子偷她家的枣，孩子根本没去", "safety:theft"),
        ("景区石头上被人用刀刻了名字，建议加强巡查", "safety:armed"),
        # zj-2026.12.54: a fire that nearly started; a heating pipe; a debtor's address the
        # caller knows; a lost cat; a wish to smash taken back
        ("电暖器插头烧焦了，差点着火，厂家不给退", "safety:fire"),
        ("楼上暖气管子漏了，水顺着墙淌下来", "safety:gas"),
        ("借了三万块，一年多了不还，人就在城里，我晓得他住哪", "safety:threat_home"),
        ("我家猫儿走丢两天了，想看看小区监控", "safety:missing"),
        ("气得我真想上他家砸玻璃去，可我也不能那么干，你们给指条道", "safety:damage"),
        # zj-2026.12.55: the buck passed back and forth; the caller waiting at a site's gate
        ("工伤赔偿矿上和派遣公司两边推，踢皮球踢了一年多", "safety:violence"),
        ("包工头欠我工钱，我一个人在工地门口等着，想找人给个说法", "safety:threat"),
        # zj-2026.12.57: no firewood to burn; money spent out; a landlord asking
        ("冬天没柴火烧，屋里冷得待不住，想申请点救助", "safety:fire"),
        ("出来打工钱都花没了，买不起回家的车票，哪里能求助", "safety:theft"),
        ("租户半年没交房租也联系不上，东西还在屋里，我能不能自己进去收拾", "safety:intruder"),
        # zj-2026.12.58: someone sent for to move a car; branches beating on the glass
        ("楼下车被人堵住了，电话也没留，麻烦帮忙叫人来挪一下", "safety:threat"),
        ("窗外那棵树一刮风就打得玻璃啪啪响，想请园林来修一修", "safety:cry_for_help"),
        # zj-2026.12.59: a knife bought and returned, a donkey-meat bun, a cabinet taken as
        # rubbish, a bruise from a slip, a blow the caller will not strike, bottles left about
        ("商场买了一套菜刀，剁了几回骨头刀刃就崩了口子，柜台不给退", "safety:weapon"),
        ("在集上买的一把菜刀，切了两回肉刀刃就卷了，老板不给换", "safety:armed"),
        ("早上买的驴肉火烧，肉都馊了，老板不认账", "safety:fire"),
        ("物业把我放在门口的旧柜子当垃圾拉走了，也没打声招呼", "safety:taken_away"),
        ("酒店浴室地滑摔了一跤，膝盖磕青一块，想让酒店赔点钱", "safety:injury"),
        ("借我的钱两年不还，我又不能跟他动手，你们帮着调解一下", "safety:violence"),
        ("烧烤摊的客人喝完到处乱扔酒瓶子，早上一地碎玻璃", "safety:weapon"),
        # zj-2026.12.61: a car that cannot get in, a battery feared to catch fire, an injured
        # bird, a gas company's phone unanswered
        ("邻居的柴垛把巷口堵了，我家的车开不进来了", "safety:intruder"),
        ("新买的电瓶车电池鼓了包，我怕着火不敢充，店家不给换", "safety:fire"),
        ("院里飞来一只受伤的大鸟，翅膀耷拉着，不知道该找谁", "safety:injury"),
        ("燃气公司电话打不通，家里老人两天没热水洗澡了", "safety:unreachable"),
        # zj-2026.12.62: a drum kit, a cat at the fish, a nest not poked, a thief only feared
        ("楼上孩子天天晚上打架子鼓，吵得人睡不着", "safety:violence"),
        ("邻居家的猫老钻进我家厨房偷鱼吃", "safety:theft"),
        ("屋檐下长了个马蜂窝，我不敢去捅，想找人来摘", "safety:violence"),
        ("单元门禁坏了谁都能进，物业不修，我怕招小偷", "safety:theft"),
        # zj-2026.12.60: a driver's fee for a wallet left behind
        ("把钱包忘在出租车上了，司机说要五十块跑车费才送回来", "safety:detention"),
        # zj-2026.12.69: mud washed into the fields below
        ("山被挖秃了，一下雨泥沙就冲进下游的农田", "safety:crowd"),
        # zj-2026.12.70: a railing bent by a car
        ("桥下有一段护栏被车撞歪了，请尽快设个警示", "safety:injury"),
        # zj-2026.12.71: a car gone from the kerb, towed
        ("车子停在路边，回来就不见了，听人讲是被拖走了", "safety:vehicle_gone"),
        # zj-2026.12.72: stopped by an officer for a fine; a parent stopping cars to cross
        ("骑电动车在路口被协管员拦下来，说没戴头盔要罚款", "safety:crowd"),
        ("学校门口没有红绿灯，接孩子的家长只能自己站在路中间拦车", "safety:crowd"),
        # zj-2026.12.73: a landlord's changed lock is a rental quarrel, no one living inside
        ("房东趁我不在把锁换了，我的东西还在里面，押金也不退", "safety:intruder"),
        # zj-2026.12.74: a trench not filled in; a tablet lying on the ground; pesticide bottles
        ("挖开的管沟到现在都没回填，孩子上学天天从边上走", "safety:unreachable"),
        ("村口那块文物保护碑倒在地上好久了，也没人管", "safety:injury"),
        ("打完药，农药瓶子就扔在地头水沟边，怕污染水", "safety:self_harm"),
        # zj-2026.12.76: a rumour passed round online
        ("有个自媒体发视频说开发区化工厂爆炸了，内容是编的，想请网信部门管管", "safety:explosion"),
        # zj-2026.12.77: the day before yesterday is past
        ("厨房房顶的瓷砖前天掉下来一块，差点砸着人，房东说不归他修", "safety:falling_object"),
        # zj-2026.12.78: barbecue smoke drifting into the caller's room is no one coming in
        ("楼下烧烤摊天天开到半夜，烟全飘进我屋里，窗都不敢开", "safety:intruder"),
        # zj-2026.12.79: muddy water washed into the village; keys locked in a cave dwelling
        ("山上乱挖土，一下雨泥水冲进村里，路都没法走", "safety:crowd"),
        ("钥匙叫我锁在窑里了，能不能给寻个开锁的", "safety:detention"),
        # zj-2026.12.80: glass that may break, sleep disturbed (被打 inside a longer word), a toy
        # gun, appointment slots taken by scalpers
        ("台风要来了，我家窗户玻璃怕被打碎，物业也不来加固", "safety:violence"),
        ("想安安静静睡个午觉不被打扰，楼下装修从早敲到晚", "safety:violence"),
        ("楼下小孩天天拿着玩具枪在走廊里跑，吵得人午觉睡不成", "safety:armed"),
        ("儿童医院的专家号一放出来就被号贩子抢了，老人根本挂不上", "safety:theft"),
        # zj-2026.12.81: water through a ceiling, bricks round a manhole, oil poured on the
        # ground, a door the caller will not force, a quarrel's words the caller calls only words
        ("楼上暖气漏了，水顺着楼板往我家淌，吊顶都往下掉水了，找谁赔", "safety:falling_object"),
        ("小区路口井盖碎了，我们找了几块砖头先围着，请市政来换", "safety:weapon"),
        ("修车铺把废机油直接倒在地上，下雨流得满街都是", "safety:injury"),
        ("楼上没人住，水一直渗下来，我又不敢自己撬门进去，想问找谁", "safety:theft"),
        ("两口子吵架，一个说要拼命，一个说你去死，其实都是嘴上说说，没动手", "safety:self_harm"),
        # zj-2026.12.82: a flowerpot knocked over, a lock the caller asks whether to force, an old
        # mother kept in by a broken lift, pupils colliding at basketball, a leak mended on the
        # spot, appointment slots gone as soon as released
        ("楼下小孩踢球把我家门口的花盆碰倒了，家长也不来道个歉", "safety:traffic_person"),
        ("租户欠了半年房租人跑了，我能不能自己把锁撬开收回铺面", "safety:theft"),
        ("电梯坏了一个月，我妈腿脚不好只能关在屋里，物业一直拖着不修", "safety:detention"),
        ("两个学生打篮球时相撞，眼镜被撞坏了，对方家长不肯赔", "safety:vehicle_hit"),
        ("燃气公司上门说管子有点漏气，当场修好，现在已经好了，就是收费太贵", "safety:gas"),
        ("医院专家号手机上一放号就没了，门口有人倒卖号，请医院管一管", "safety:theft"),
    ],
)
def test_these_words_name_no_danger(text: str, sign: str) -> None:
    c = run(text, source="12345" if "基站" in text else "110")
    assert sign not in signs(c), sorted(signs(c))


def test_a_real_fall_into_the_hole_still_keeps_the_call() -> None:
    c = run("路口井盖没了，有个骑车的掉进去了，腿卡在里面出不来")
    assert c.is_police_matter and signs(c), c.rule_id


def test_a_neighbours_cattle_in_the_crops_is_no_intrusion() -> None:
    c = run("邻居家的牛闯进地里，把玉米踩坏了一片，要他赔他不认")
    assert not c.is_police_matter, c.rule_id


def test_a_neighbours_sheep_in_the_callers_field_is_no_home_entered() -> None:
    # zj-2026.12.58: 进我家 (P07-04, someone in the home) read in 跑进我家玉米地
    c = run("邻居的羊跑进我家玉米地，啃了好大一片，他不认账")
    assert not any(e.rule_id == "situation:P07-04" for e in c.evidence), c.rule_id


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("出门拿快递，风把门刮上了，钥匙在屋里，家里没人", "NP15-02"),
        ("不知道谁的车把我的车堵死了，车上没留电话，我急着出门", "NP02-05"),
        ("天然气卡充了钱，表上显示没到账，今晚没气做饭了", "NP10-03"),
        # zj-2026.12.131: a room at three times its price on a festival night
        ("过节来看灯会，附近宾馆一晚上涨到五百，比平时贵两倍", "NP04-06"),
        # zj-2026.12.132: sleep told with the southern 困, a cylinder filled short, the caller shut
        # out after a quarrel, a digger at work in the night
        ("楼上天天半夜剁东西，咚咚咚的，我们一家困不着觉", "NP02-01"),
        ("送来的液化气罐不足量，十天就没了", "NP04-05"),
        ("我同堂客吵了几句，她把我关在门外不让进屋", "NP07-01"),
        ("修路的挖机夜里还在搞，整个村都困不着觉", "NP09-03"),
        # zj-2026.12.133: tickets at a premium outside the station; a drip gone wrong the clinic denies
        ("客运站讲票卖完了，叫我们去外面买高价票", "NP04-06"),
        ("我妈在卫生院输液，输完手肿了，卫生院说跟他们没关系", "NP08-01"),
        # zj-2026.12.136: a doctor who sends the patient off; ducks in the seedlings
        ("在县医院排了一上午的号，医生看了两分钟就把我们打发了，问他话都不耐烦", "NP08-02"),
        ("我，讲话不好，隔壁屋的鸭子，天天来我田里吃秧，不关", "NP14-02"),
        # zj-2026.12.134: a needle put in wrong
        ("在诊所打点滴，护士把针扎偏了，手背肿了一大块", "NP08-01"),
        # zj-2026.12.139: an agent's promised boat job; a new car's plate not on the gate's list
        ("中介收了介绍费，讲好介绍上船做工，到了码头船老板讲不要人", "NP01-06"),
        ("刚换的车，保安讲车牌没登记，把车拦在外头", "NP06-03"),
        # zj-2026.12.141: rent unpaid in the written register; a foreman who owes the caller
        ("租给人家开饭店的门面，租金一年多未付了", "NP05-03"),
        ("跟着工头在外头干了三个月，回来他就不见面了，欠我六千", "NP01-01"),
        # zj-2026.12.142: stranded without the fare home
        ("在火车站待了两天，身无分文，想回家没有路费", "NP15-04"),
        # zj-2026.12.143: no money for coal; a paint workshop's smell
        ("家里煤烧完了，手里没钱买煤，这个冬天不晓得咋过", "NP15-04"),
        ("楼下开了个喷漆的铺子，漆味大得很，窗户都不敢开", "NP09-06"),
        # zj-2026.12.144: a hill's boundary against the certificate; no rice left
        ("两家为那片竹子的界线扯了几年，想请人来对一下林权证", "NP14-03"),
        ("儿子在外头打工不寄钱，屋里米都没了", "NP15-04"),
        # zj-2026.12.145: a child kept from the other parent; a bag left without 在
        ("离了以后他把孩子带走了，不让我见", "NP07-02"),
        ("在车站上厕所把包落洗手台上了，回去就没了", "NP15-01"),
        # zj-2026.12.147: a phone dropped somewhere unknown
        ("赶集回来手机不晓得掉哪里去了", "NP15-01"),
        # zj-2026.12.148: a bill with a dish too many; a mixing station at night; a doctor's temper
        ("吃饭结账多算了一个菜，老板不肯改", "NP04-06"),
        ("夜里拌合站还在轰，罐车进进出出", "NP09-03"),
        ("在卫生院问了医生一句他就凶我", "NP08-02"),
        # zj-2026.12.150: a stray calf tied up till its owner comes
        ("早上院门口来了头走散的牛犊子，我先拴我家院里了，谁家的来领", "NP15-05"),
        # zj-2026.12.155: a stray yak tied by the sheepfold
        ("山上跑来一头没主的牦牛，我拴在我家羊圈边上了", "NP15-05"),
        # zj-2026.12.160: the northeast's unpaid wages, goods on credit, a snake, the heating bill,
        # an employer who pays no insurance
        ("俺们砖厂俩月没开支了，老板说等年底", "NP01-03"),
        ("村里几户人家在我农资店赊购化肥，秋收了也不结", "NP03-02"),
        ("柴火垛底下钻进去一条长虫，有胳膊粗", "NP14-01"),
        ("今年取暖费涨价了，也不公示，问谁都说不知道", "NP10-04"),
        ("在饭店干了三年，老板一直没给上保险", "NP01-05"),
        # zj-2026.12.209: a leaning tree
        ("院门口那棵老杨树歪了，根都翘起来了，找谁来锯了它", "NP13-02"),
        # zj-2026.12.213: a phone dropped in the river, asked to be fished out
        ("漂流的时候手机掉河里了，能不能帮忙捞一下", "NP15-01"),
        # zj-2026.12.214: dumpling filling chopped at midnight
        ("楼上又剁上馅子了，这都半夜十二点了，咣咣的", "NP02-01"),
        # zj-2026.12.215: what a mother left at death, kept by a sister
        ("我妈走了留下个两万块钱的存折，我大姐拿着不往出拿", "NP07-05"),
        # zj-2026.12.216: gossip, told in the northeast's 扒瞎
        ("隔壁老娘们儿在村里到处扒瞎，说俺家偷她家鸡，你们给主持个公道", "NP02-07"),
        # zj-2026.12.217: a bus that keeps no time
        ("去三里那趟车老是不按点走，今天我等了一个多钟头", "NP11-02"),
        # zj-2026.12.220: ... or waits to fill up
        ("去齐齐哈尔的大客说八点发车，九点半了还不走，司机说人不满不走", "NP11-02"),
    ],
)
def test_ordinary_matters_are_named_instead_of_left_to_the_fallback(
    text: str, situation: str
) -> None:
    c = run(text)
    assert c.situation_code == situation, c.rule_id
    assert not c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我不是来闹事的，就想问问欠的工钱该找谁要",
        # zj-2026.12.51: 不闹事 with a bare 不 (no negation cue alone)
        "俺们四个人的工钱拖了半年，俺们不闹事，就问问该上哪儿告",
    ],
)
def test_a_denial_of_coming_to_make_trouble_is_no_disturbance(text: str) -> None:
    c = run(text)
    assert not c.is_police_matter, c.rule_id


# zj-2026.12.42, from the thirty-first split once dev (Jilin and Bashang callers, a Kunming
# ticket): a war drama's gunfire through the wall; a fee paid to someone who would get an
# allowance through, then gone; "not urgent enough to need saving".


@pytest.mark.parametrize(
    "text",
    [
        "楼下天天看谍战剧，枪声一阵一阵的，吵得孩子没法写作业",
        "对门老太太看战争片声音开得老大，炸弹轰轰的，机枪哒哒哒，一直到半夜",
    ],
)
def test_a_programmes_gunfire_through_the_wall_is_noise(text: str) -> None:
    c = run(text)
    assert not c.is_police_matter, c.rule_id


@pytest.mark.parametrize(
    "text",
    [
        "正在看电视剧，突然听到楼下有人喊救命，还有砸东西的声音",
        "我在家看抗战剧，门外有人拿刀砍门",
    ],
)
def test_a_danger_heard_while_a_drama_plays_still_keeps_the_call(text: str) -> None:
    c = run(text)
    assert c.is_police_matter and signs(c), c.rule_id


def test_a_fee_paid_to_get_an_allowance_through_then_gone_is_fraud() -> None:
    c = run("有个人说能帮我办低保，先交两千好处费，我转过去了，现在电话关机了")
    assert c.is_police_matter and "safety:arranged_fee_fraud" in signs(c), c.rule_id


def test_an_allowance_applied_for_at_the_office_is_no_fraud() -> None:
    c = run("社区说帮我办低保，交了材料，让我等通知，一个月了还没消息")
    assert "safety:arranged_fee_fraud" not in signs(c), c.rule_id


def test_not_urgent_enough_to_need_saving_is_no_cry_for_help() -> None:
    c = run("也不是急到救命的事，就是快递丢了气人")
    assert "safety:cry_for_help" not in signs(c), c.rule_id


@pytest.mark.parametrize(
    "text",
    [
        "干活的时候从架子上掉下来过，腿骨折了，那是去年的事了，老板到现在不给报销",
        "孩子在学校跟同学打了一架，上个星期的事了，现在对方家长要我们赔衣服钱",
    ],
)
def test_an_injury_dated_after_the_telling_is_settled(text: str) -> None:
    c = run(text)
    assert not c.is_police_matter, c.rule_id


def test_an_injury_dated_before_a_new_attack_is_still_police() -> None:
    c = run("他上个月打过我，那是上个月的事了，今天他又拿着刀堵在我家门口")
    assert c.is_police_matter and signs(c), c.rule_id


# zj-2026.12.44, from the thirty-second split once dev (a northern Guangdong writer in
# Cantonese-coloured speech, Chifeng): a snakebite with the limb swelling; a crime show through
# the ceiling; 要系 (Cantonese 要是) as a hypothesis; a wallet dropped, not stolen.


def test_a_snakebite_with_the_limb_swelling_keeps_the_call() -> None:
    c = run("我爸在地里被蛇咬了手，整只手肿起来了，离镇上远得很")
    assert c.is_police_matter and "safety:animal_attack" in signs(c), c.rule_id


def test_a_snake_in_the_yard_that_bit_no_one_is_no_attack() -> None:
    c = run("院子里进了条蛇，盘在柴堆上，没咬到人，想找人来抓走")
    assert "safety:animal_attack" not in signs(c), c.rule_id


@pytest.mark.parametrize(
    "text",
    [
        "隔壁每晚放破案片，枪响一阵一阵的，吵得睡不着",
        "想问下，要系仓库着火，保险赔唔赔？",
        "手机不见了——不是被偷，是我自己掉的，现在想补张卡",
    ],
)
def test_danger_words_shown_supposed_or_denied_are_no_present_danger(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))  # (with no other word the call is "unsure")


def test_a_child_not_found_after_calling_round_keeps_the_call() -> None:
    """zj-2026.12.45: 没找着孩子 beside 找不到孩子 (a dev call the rules had DIVERTed to the school)."""
    c = run("老师说孩子下午没去上课，我问了亲戚同学，到处都没找着孩子")
    assert c.is_police_matter and "safety:missing" in signs(c), c.rule_id


# zj-2026.12.46, from the thirty-third split once dev (Shaoyang, Heze and Bijie callers): a brawl
# told as 扭成一坨 by 十来个后生; sixty-odd 口子人 sitting in a lobby; a farewell message; locked
# out is not locked in; a worry for a child is no harm.

# (the cases are in the parametrized tests at the top of this file)


# zj-2026.12.47, from dev police calls the rules had left to the model: a cloned number plate;
# steel dropped along a highway.


def test_a_cloned_number_plate_keeps_the_call() -> None:
    c = run("我的车一直停在家里，却收到外地的违章短信，照片上是别的车，应该是被套牌了")
    assert c.is_police_matter and signs(c), c.rule_id


def test_a_load_dropped_along_a_highway_keeps_the_call() -> None:
    c = run("国道那段前面货车的木板掉了一路，后面的车都在躲")
    assert c.is_police_matter and c.situation_code == "P05-04", c.rule_id


# zj-2026.12.48, from the thirty-fourth split once dev (a Jiaxing/Huzhou writer in Wu-coloured
# speech; Golmud): 勿 for 不; a war film called 打仗的片子; a broom handle used as a gun.

# (the cases are in test_these_words_name_no_danger at the top of this file)


def test_an_x_ray_is_no_programme() -> None:
    """片子 alone is not a reported cue: an X-ray's fracture is still an injury."""
    c = run("刚才被车撞了，拍了片子，腿骨折了，司机跑了")
    assert c.is_police_matter and signs(c), c.rule_id


def test_despair_told_from_the_top_of_a_plant_keeps_the_call() -> None:
    """zj-2026.12.49: a tank, a crane or a chimney as the high place, and wanting someone to
    talk to as despair (a debt asked about first, no word of self-harm)."""
    c = run("我欠了一屁股债，老婆也走了，我现在坐在塔吊上，就想跟人说说话")
    assert c.is_police_matter and "safety:despair_high_place" in signs(c), c.rule_id


# zj-2026.12.50, from the thirty-fifth split once dev (a Siyi Cantonese writer): a threat told as
# knowing the child's school; a worker locked in since morning with food passed in.


def test_knowing_the_childs_school_is_a_threat() -> None:
    c = run("问下押金的事。对方走之前讲，你女儿在哪个学校读书我都知道，叫我小心点")
    assert c.is_police_matter and "safety:school_known_threat" in signs(c), c.rule_id


def test_a_parent_asking_about_a_school_is_no_threat() -> None:
    c = run("我想知道孩子明年分到哪个学校，在哪上学要看户口吗", "12345")
    assert "safety:school_known_threat" not in signs(c), c.rule_id


def test_locked_in_since_morning_with_food_passed_in_keeps_the_call() -> None:
    c = run("老板把宿舍门锁了，从早上锁到现在，饭是从窗户递进来的")
    assert c.is_police_matter and "safety:locked_in" in signs(c), c.rule_id


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        # a bet (押注) read inside a mortgage's deregistration (zj-2026.12.52)
        ("办不动产抵押注销跑了三趟，窗口每次说缺一样材料", "situation:P07-01"),
        # an old person "不见了" read inside a manhole cover gone (zj-2026.12.54)
        ("人行道上一个井盖不见了，刚才有个老人差点踩进去，请派人来盖上", "situation:P06-02"),
        # fried fish, not fishing with explosives; a fall that a careless moment would bring
        # (zj-2026.12.55)
        ("楼下炸鱼档的烟管对着我家窗户，一屋子油烟", "situation:P08-03"),
        ("路口井盖缺了一块，晚上骑车的一不留神就得栽进去", "situation:P05-04"),
        # a flood that has gone down (zj-2026.12.60)
        ("洪水退了以后村里的路全是淤泥，想请镇上派车来清一清", "situation:P04-06"),
        # home care that should come to the door eight times a month (zj-2026.12.70)
        ("按规定居家养老每月应上门服务八次，实际阿姨只来两三次", "situation:P07-03"),
        # a neighbour's sheep in the vegetable plot (zj-2026.12.80)
        ("邻居家的羊闯入我家菜地，把白菜啃了一大片，找他赔他不认", "situation:P07-04"),
        # a branch reaching into the balcony (zj-2026.12.81)
        ("小区外那棵树的枝子伸进我家阳台，刮风就敲窗户，想请园林修剪", "situation:P07-04"),
    ],
)
def test_words_of_something_else_send_no_ticket_to_the_police(text: str, situation: str) -> None:
    c = run(text, source="12345")
    assert not c.is_police_matter, c.rule_id
    assert not any(e.rule_id == situation and e.kind == "situation" for e in c.evidence)


@pytest.mark.parametrize(
    "text",
    [
        # zj-2026.12.60: 报了案 / 受案回执 as settled cues
        "网上刷单被骗两万，当时就报了案，拿了受案回执，到现在没消息，想问问进展",
        # zj-2026.12.75: 报案立案, 已经在派出所报案
        "半年前买理财被骗了三万，已经在派出所报案立案，想问问这钱还能不能追回来",
    ],
)
def test_a_fraud_reported_months_ago_asked_about_now_is_no_police_ticket(text: str) -> None:
    c = run(text, "12345")
    assert not c.is_police_matter, c.rule_id


def test_a_company_registered_in_the_callers_name_keeps_the_call() -> None:
    # zj-2026.12.55: an identity used by someone else, told as what an office found
    c = run("去办社保时，工作人员说我名下在外地注册了一家商贸公司，还欠着税，我这辈子没做过买卖")
    assert c.is_police_matter and c.situation_code == "P08-01", c.rule_id


@pytest.mark.parametrize(
    "text",
    [
        "儿子在学校跟同学互相推了几下，都没受伤，对方家长非要我们道歉",
        "女儿课间被同学推了一把，没伤着，老师只批评了几句，我觉得处理太轻",
        "两个孩子为抢座位吵起来，对方家长说是我儿子先动手的，要我们赔礼",
        # zj-2026.12.59
        "女儿在学校被对方推了一把，没受伤，就是衣服扯破了，想让对方家长赔",
        # zj-2026.12.61
        "儿子跟同学抢球，两人推了一把，衣服扯破了，人没事",
    ],
)
def test_schoolchildren_pushing_once_is_no_violence_at_home(text: str) -> None:
    # zj-2026.12.57: 儿子/女儿 + 推了 read as domestic violence (P01-05), 推了一把 and 先动手
    # as violence, in a quarrel between schoolchildren and their parents
    c = run(text)
    assert "safety:violence" not in signs(c), sorted(signs(c))
    # Not fired: a word set aside as settled (都没受伤) is still listed, as modal evidence.
    assert "situation:P01-05" not in fired(c), c.rule_id


# zj-2026.12.63, from the fiftieth and fifty-first splits once dev (Chaozhou, Huanggang, Longyan
# and Korla callers): the illegal lottery by its name; a theft that happened once, a theft
# already reported, a gas smell a few days ago, power cut by a landlord, goods locked in a
# shop, a lift feared to shut someone in some day.


@pytest.mark.parametrize(
    "text",
    [
        "物业太不负责，我家电瓶车在车棚里被偷过两回，监控也没有",
        "我的钱包在车站被偷了，已经报过案，现在没钱买车票回家",
        "前几天家里闻到一点煤气味，燃气公司来看过说是灶的问题，灶到今天还没修好",
        "房东说他儿子要回来住，催我搬走，今天把我的电给掐了",
        "房东要涨租我们没答应，他把卷闸门的锁换了，货都锁在里头，今天开不了门做生意",
        "单元楼电梯老是坏，物业拖着不修，我担心哪天把人关在里面",
        # zj-2026.12.64, from the fifty-second split once dev (Chongzuo, Ya'an and Guyuan
        # callers): the neighbours of zj-2026.12.63's words, and a schoolboy pushed once
        "我儿子在学校跟同学打闹，被推了一下，人没事，想找老师说说",
        "房东儿子来催租，把我们屋里的电都掐了",
        "放羊的时候羊跑丢了两只，想请大家帮忙留意",
        "邻居家的牛跑进我家菜园，把白菜啃了一半",
        "坐船游湖的时候手机掉进河里了，想问能不能帮忙捞上来",
        # zj-2026.12.66, from the fifty-fourth split once dev: smoke into a room, bricks piled
        # in a lane, plaster coming down, a fear of what falls
        "小区门口烧烤摊的烟飘入室内，呛得孩子没法睡",
        "邻居把盖房的砖头沙子堆在巷子口，三轮车都进不来",
        "楼上漏水，我家屋顶泡得发黑，墙皮一块块往下掉，楼上不管",
        "工地脚手架没挂网，担心掉东西砸到人",
        # zj-2026.12.67, from the fifty-fifth split once dev: words inside longer words (the
        # segmenter's lexicon)
        "医院的专家号一放出来就被黄牛抢了，现场也挂不上",
        "我跟我哥为了老房子闹掰了，他把房本拿走了",
        "远处山头冒大烟，走近一看是有人在烧荒",
        "孩子在学校跟同学推搡了几下，都没事，两家家长吵起来了",
        "我去年在厂里压伤了手，这个工伤到底怎么认定",
        "租户欠了房租人找不着了，屋里东西还在，我能不能自己开门清出去",
    ],
)
def test_past_reported_cut_off_or_feared_is_no_present_danger(text: str) -> None:
    c = run(text)
    assert not signs(c), (c.rule_id, sorted(signs(c)))
    # no police rule fired (the 110 fallback may still hold an unnamed matter)
    assert not c.is_police_matter or c.rule_id.startswith("default:"), c.rule_id


def test_a_feared_danger_asked_of_a_unit_is_that_units_condition() -> None:
    """On 12345 a referral ROUTEs, a feared danger goes to REVIEW: the referral now wins."""
    c = run("村口那座桥栏杆断了一截，大车天天过，怕哪天塌了，请交通部门来看看", source="12345")
    assert "danger_modal:referred:塌了" in c.doubts, c.doubts
    assert not any(":hypothetical:" in d for d in c.doubts), c.doubts


# zj-2026.12.65, from the fifty-third split once dev (Xilingol, Chuxiong and Zhangjiajie callers):
# a hydrant hit by a car, a child's bag found, a theft already in a statement, a car towed for
# bad parking (its police texts are in the first test of this file).
@pytest.mark.parametrize(
    "text",
    [
        "小区消防栓被车撞坏了，水一直往外冒，物业不管",
        "在公园长椅上捡到一个小孩的水壶，上面写着名字",
        "手机在夜市被偷了，当时就去派出所做了笔录，现在没钱坐车回家",
        "早上出门车不见了，物业讲是违停拖走了，要去停车场交钱",
    ],
)
def test_a_thing_hit_a_childs_thing_found_or_a_theft_on_record_is_no_danger(text: str) -> None:
    c = run(text)
    assert not signs(c) and not c.is_police_matter, (c.rule_id, sorted(signs(c)))


# zj-2026.12.66, from the fifty-fourth split once dev (Haidong, Jianghan and Liaoyuan callers):
# a road blocked by people sitting across it (the first police call DIVERTed since the
# forty-second split, its allowance no longer a settled cue), a game that takes and pays money.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("一帮老人在路口坐了一排，车过不去，说是拆迁补贴的事", "safety:sit_in"),
        ("那个游戏能充钱还能换钱，我老公在上头输了好几万", "situation:P07-01"),
        # zj-2026.12.63: the illegal lottery by its name
        ("我们村口有个小卖部在卖地下六合彩，开奖那天挤满了人", "situation:P07-01"),
    ],
)
def test_a_sit_in_across_a_road_or_a_paying_game_keeps_the_call(text: str, rule: str) -> None:
    c = run(text)
    assert c.rule_id == rule and c.is_police_matter, (c.rule_id, sorted(signs(c)))


# zj-2026.12.67: home care for the old read as vice (a lexicon word).
def test_home_care_for_the_old_is_no_vice_on_12345() -> None:
    c = run("想给我爸申请居家养老上门服务，去哪里办，收不收费", source="12345")
    assert not any(e.rule_id == "situation:P07-03" for e in c.evidence), c.rule_id


# zj-2026.12.84, from the seventy-second split once dev (Shannan/Chamdo, Lankao and Yongzhou
# callers; Zunhua tickets): a gas cylinder is how most of a city cooks, a chimney's smoke a
# standing nuisance, water and power cut by a landlord.
@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("送来的液化气罐只有大半罐，称了差三公斤，送气的不认账", "110"),
        ("街口几家小吃店把液化气罐堆在人行道上晒太阳，请有关部门检查", "12345"),
        ("村里新楼还没通天然气，家家还在用液化气罐，什么时候能通", "12345"),
        ("砖厂的烟囱天天冒黑烟，晾的衣服全是灰", "110"),
        ("房东要收房，今天把水电都给我掐了，合同还没到期", "110"),
        # zj-2026.12.85: 打 for "past" in northern speech
        ("邻居家的鹅见人就追，孩子都不敢打他家门口过", "110"),
        # zj-2026.12.86: a car blocked in; a call made again
        ("我的车被堵在车库出口，对方没留电话", "110"),
        ("前夫欠着抚养费，我打电话他说没钱，再打就把我拉黑了", "110"),
        # zj-2026.12.87: a kiln's smoke
        ("村里那个砖厂烧窑时冒黑烟，晾的被子都熏黑了", "110"),
        # zj-2026.12.88: voice practice, touts, a pushed schoolboy, a utility's line unanswered
        ("楼上老头天天一早在阳台上吊嗓子，吵得人睡不着", "110"),
        ("景区门口几个摊贩拦车拉客，车都开不进去", "110"),
        ("儿子在学校被人推了一下，膝盖擦破点皮，想让老师管管", "110"),
        ("村里停水三天了，打自来水公司电话没人接，家里老人做饭的水都没有", "110"),
        # zj-2026.12.89: a few shoves between pupils; a pipe broken by a falling rock
        ("女儿跟同桌为了一块橡皮推搡了几下，都没伤着，想让班主任调解", "110"),
        ("山上滚石把水管砸了，村里两天没水，也没人通知啥时候修", "110"),
        # zj-2026.12.93: Cantonese 落水 "to rain", a drain
        ("隔离屋顶冇做防水，一落水就渗入我屋，墙都发霉", "110"),
        ("养猪场啲污水直接排落水沟，臭到成条村都闻到", "110"),
        # zj-2026.12.90: a power station unanswered in a cold power cut; bricks piled; fish thawed
        ("村里停电两天了，老人冻得受不了，供电所的电话一直打不通", "110"),
        ("邻居在晒坝上堆了砖头，我家谷子没地方晒", "110"),
        ("超市买的冻鸡一解冻就臭了，超市不给赔", "110"),
        # zj-2026.12.91: a weak flame, dogs fighting
        ("燃气公司换了新表，灶上打火半天打不着，火苗也小", "110"),
        ("小区的流浪狗半夜打架嚎叫，吵得睡不着", "110"),
    ],
)
def test_a_cylinder_a_chimney_or_a_cut_supply_is_no_danger(text: str, source: str) -> None:
    # No danger sign: what the rules cannot place is left to the model, not kept by a sign.
    c = run(text, source=source)
    assert not signs(c), (c.rule_id, sorted(signs(c)))


# zj-2026.12.86: an electric fence strung for game is a crime report, the power grid is not.
def test_an_electric_fence_for_game_is_a_crime_report_and_the_grid_is_not() -> None:
    fence = run("后山有人架电网电野猪，天黑以后就通电")
    assert any(e.rule_id == "situation:P08-03" for e in fence.evidence), fence.rule_id
    grid = run("村里电网改造以后电压还是不稳，晚上灯一闪一闪的", source="12345")
    assert not any(e.rule_id == "situation:P08-03" for e in grid.evidence), grid.rule_id


# zj-2026.12.87: a fear of "sooner or later" is no danger now; the same hole with a rider in it is.
def test_a_hole_that_will_sooner_or_later_take_someone_is_no_road_danger_yet() -> None:
    feared = run("路口那个坑一直没人补，迟早要把骑车的栽进去")
    assert not feared.is_police_matter or feared.rule_id.startswith("default:"), feared.rule_id
    fallen = run("路口那个坑刚把一个骑车的栽进去了，人躺着起不来")
    assert fallen.is_police_matter and not fallen.rule_id.startswith("default:"), fallen.rule_id


# zj-2026.12.87: a quake years ago, an accusation against the caller, a manhole a passer-by marked
# are no police situation (their words, 地震, 偷了, 做了记号, decided them before).
@pytest.mark.parametrize(
    "text",
    [
        "房子是08年地震过后重建的，现在想办产权证",
        "对门老太太到处讲我偷了她的鸡蛋，我想找人评评理",
        "路口有个井盖碎了，有人插了根树枝做了记号",
        # zj-2026.12.91: a listing's photos
        "民宿照片上说有海景，来了窗外是墙，老板不给退",
        # zj-2026.12.92: a block built after a quake
        "我住的是地震后统建的安置楼，楼上空调水一直滴我阳台上",
    ],
)
def test_a_past_quake_an_accusation_or_a_marked_manhole_is_no_police_situation(text: str) -> None:
    c = run(text)
    assert not c.rule_id.startswith("situation:P"), (c.rule_id, sorted(signs(c)))


# zj-2026.12.88: a cart stuck in a potholed road is a repair, not a car stranded far from help.
def test_a_cart_stuck_in_a_potholed_road_is_no_stranded_car() -> None:
    c = run("那条路一化冻就翻浆，昨天一辆三轮车陷里头半天出不来，年年修年年坏", source="12345")
    assert "safety:car_stuck_far_from_help" not in signs(c), c.rule_id


# zj-2026.12.89: "a few shoves" is no blow; the shoves with a blow beside them still are.
def test_a_few_shoves_alone_are_no_violence_but_a_blow_beside_them_is() -> None:
    shoves = run("上个月跟邻居为车位推搡了两下，派出所来过了，想请社区调解", source="12345")
    assert "safety:violence" not in signs(shoves), shoves.rule_id
    blow = run("他推搡了几下又一拳打在我脸上，现在还在门口骂")
    assert blow.is_police_matter and "safety:violence" in signs(blow), blow.rule_id


# zj-2026.12.91: a tremor asked about leaves no disaster word behind (it sent 12345 tickets to
# REVIEW); one that trapped someone is still a police matter.
def test_a_quake_asked_about_is_no_disaster_but_one_that_trapped_someone_is() -> None:
    asked = run("刚才吊灯晃了几下，是不是地震了？会不会有余震", source="12345")
    assert "地震" not in {e.term for e in asked.evidence}, asked.rule_id
    trapped = run("刚才晃得好凶，是不是地震了？后墙塌了，我爸压在下面拉不出来")
    assert trapped.is_police_matter and not trapped.rule_id.startswith("default:"), trapped.rule_id


# zj-2026.12.92: keys locked in a car with nobody inside stay a locksmith's matter.
def test_keys_locked_in_an_empty_car_are_no_person_trapped() -> None:
    c = run("我把钥匙锁车里了，要赶去接孩子放学")
    assert "safety:left_in_locked_car" not in signs(c), c.rule_id


# zj-2026.12.94: a tool is a weapon when it is held or swung, not where it is piled.
def test_bricks_piled_are_no_weapon_but_a_brick_in_hand_is() -> None:
    piled = run("村里打麦场上堆了柴火和砖头，马上收麦了，别家没地方晒粮食")
    assert not {"safety:weapon", "safety:armed"} & signs(piled), piled.rule_id
    held = run("他拿着砖头追着我砸，我躲进小卖部了")
    assert held.is_police_matter and "safety:armed" in signs(held), held.rule_id


# zj-2026.12.94: a son away for years is estrangement; one gone since last night is missing.
def test_a_son_away_for_years_is_no_missing_person_but_one_gone_overnight_is() -> None:
    away = run("来电人称儿子几年没回来了，家里房子漏雨，想问能不能申请低保")
    assert "safety:missing" not in signs(away), away.rule_id
    gone = run("我儿子昨天晚上出去到现在没回来，电话也打不通")
    assert gone.is_police_matter and "safety:missing" in signs(gone), gone.rule_id


# zj-2026.12.94: an animal that crawled in is no intruder; a person who did is.
def test_a_snake_that_crawled_in_is_no_intruder_but_a_man_who_did_is() -> None:
    snake = run("我屋里厨房爬进来一条蛇，缩在碗柜后面，哪个能来帮我捉一下")
    assert "safety:intruder" not in signs(snake), snake.rule_id
    man = run("半夜有个人从窗户爬进来了，就在我家客厅")
    assert man.is_police_matter and "safety:intruder" in signs(man), man.rule_id


# zj-2026.12.94 and .98: a past harm asked about for relief or welfare, argued over for
# compensation, or over with the hospital stay, is settled; the same harm happening now is not.
@pytest.mark.parametrize(
    "text",
    [
        "房子去年着火后一直借住在亲戚家，孩子上学困难，想申请救助",
        "我老公在工地上摔了一跤，腰椎骨折，住了一个月院，出院了，包工头一分钱不赔",
        # zj-2026.12.98
        "我男人在工地上摔伤了在家躺着，娃娃要上学，能不能申请低保",
        "孩子在学校午休时摔伤门牙，家长与学校就医疗费用协商未果",
    ],
)
def test_a_past_harm_asked_about_for_relief_or_compensation_is_settled(text: str) -> None:
    c = run(text)
    assert not c.is_police_matter, (c.rule_id, c.outcome)


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("家里着火了，我妈还在里面", "safety:fire"),
        ("工地上有个工人刚从脚手架摔下来，摔伤了躺在地上不动", "safety:injury"),
    ],
)
def test_the_same_harm_happening_now_is_kept(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter and sign in signs(c), c.rule_id


# zj-2026.12.94: fish killed by electrofishing, a ceiling patch fallen, a tout stopping cars.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("每天晚上都有人背着电瓶电鱼，小鱼小虾都电死了", "safety:danger"),
        ("楼上管子冻裂漏水，我家棚顶塌了一块，木地板全泡了", "safety:danger"),
        ("景区停车场收三十，还有人在路边拦车说前面没车位了，让停他家院子", "safety:crowd"),
    ],
)
def test_words_said_of_fish_a_ceiling_or_a_tout_are_no_danger(text: str, sign: str) -> None:
    assert sign not in signs(run(text, source="12345"))


# zj-2026.12.94: walnuts knocked off someone's trees overnight are taken crops.
def test_walnuts_knocked_off_overnight_by_someone_are_crops_taken() -> None:
    c = run("俺家那几棵核桃树一黑夜让人给打光了，一年就指望这点核桃换钱呢")
    assert c.is_police_matter and "safety:crops_taken" in signs(c), c.rule_id


# zj-2026.12.95: a person down a well or a cellar who cannot climb out; the cellar's frozen
# cabbages asked about for a subsidy are no one in danger.
def test_a_person_down_a_well_who_cannot_climb_out_is_in_danger() -> None:
    down = run("我下到自家的旱井里修水泵，梯子倒了上不去，拿手机打的")
    assert down.is_police_matter and "safety:down_a_pit" in signs(down), down.rule_id
    cellar = run("菜窖里的白菜冻坏了，想问能不能补贴")
    assert "safety:down_a_pit" not in signs(cellar), cellar.rule_id


# zj-2026.12.95: a street claimed as a gang's turf is a threat, told without a money word.
def test_a_street_claimed_as_a_gangs_turf_is_a_threat() -> None:
    c = run("几个后生在饭馆吃了不给钱，碗摔了一地，说这一片是他们罩的，以后每个月都要来")
    assert c.is_police_matter and "safety:threat" in signs(c), c.rule_id


# zj-2026.12.95: fumes blown in, cattle trampling a field, a child accused of stealing, a loss
# the caller cannot tell from a theft, an engine's exhaust: no crowd, crush, theft or fire.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("楼下羊肉馆的排烟管道正对我家窗户，油烟全冲进屋里", "safety:crowd"),
        ("邻村的牛跑进我家玉米地踩踏庄稼，要求对方赔偿", "safety:danger"),
        ("隔壁婆姨在门口骂，说我家娃娃偷了她家杏子，想叫人来评评理", "safety:theft"),
        ("在县城赶集时手机找不着了，不知道是被偷还是掉了", "safety:theft"),
        ("新买的二手三轮车一开起来排气管冒黑烟，卖车的不管", "safety:fire"),
    ],
)
def test_fumes_cattle_an_accusation_a_loss_or_exhaust_are_no_danger(text: str, sign: str) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.95: ordinary matters told in Cantonese are placed by the rules: a cockroach in the
# dish, a hornets' nest, a bill not settled, a husband who quarrels, gossip.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("喺酒楼饮早茶，碟肠粉入面食到只曱甴，经理话最多打个九折", "NP04-02"),
        ("屋后面荔枝园有个好大嘅黄蜂窦挂喺树上，啲工人唔敢埋去", "NP14-01"),
        ("我批发龙眼干畀一个老板，佢收咗货仲差我四万几，唔肯找数", "NP03-01"),
        ("老公返嚟就同我嘈，又为寄钱嘅事嗌交，想揾人帮我哋倾下", "NP07-01"),
        ("隔离个阿婶成日喺村口讲我是非，想揾村委嚟帮手讲和", "NP02-07"),
    ],
)
def test_ordinary_matters_told_in_cantonese_are_placed(text: str, situation: str) -> None:
    c = run(text)  # the outcome may still be KEEP: the model has seen little written Cantonese
    assert any(e.rule_id == f"situation:{situation}" for e in c.evidence), c.rule_id


# zj-2026.12.96: a seal or a signature found false is a forgery; a deed asked about is not.
def test_a_deed_with_a_false_seal_is_a_forgery() -> None:
    forged = run("老宅基地被同村一人卖给了外地老板，买卖材料上村委会的公章和我父亲的签字都是假的")
    assert forged.is_police_matter and "safety:forgery_sold" in signs(forged), forged.rule_id
    asked = run("老宅基地想过户给儿子，村委会要盖公章，我父亲签字就行吗", source="12345")
    assert "safety:forgery_sold" not in signs(asked), asked.rule_id


# zj-2026.12.96: doors and radiators taken from an empty house are a theft; the estate's fire
# hose gone from its cabinet is the property office's.
def test_fittings_taken_from_an_empty_house_are_a_theft_a_fire_hose_is_the_estates() -> None:
    taken = run("搬出来以后旧村老宅里的门窗、暖气片、连电线都叫人拆走了")
    assert taken.is_police_matter and "safety:theft" in signs(taken), taken.rule_id
    hose = run("小区消防栓里的水带叫人拆走了，物业一直不管")
    assert "safety:theft" not in signs(hose), hose.rule_id


# zj-2026.12.96: a car blocked in an alley, a radiator that leaks once lit, a drain a lorry
# crushed, a coking plant that smokes every night: no violence, fire or collapse.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我的车被一辆白色小车堵在巷子里出不去，挪车电话没人接", "safety:violence"),
        ("家里新装的暖气片刚烧起来就漏水，师傅说不归他管", "safety:fire"),
        ("这排平房的排水沟叫拉土的大车压塌了，一下雨院子里就倒灌", "safety:danger"),
        ("附近一家焦化厂一到晚上就冒黑烟，窗台上天天一层黑灰", "safety:fire"),
    ],
)
def test_a_blocked_car_a_lit_radiator_a_crushed_drain_or_nightly_smoke_is_no_danger(
    text: str, sign: str
) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.96: a Cantonese neighbour's quarrel and a building site's pneumatic hammer at night
# are placed by the rules.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("隔篱阿婶因为佢个孙撞烂我啲花盆同我嗌咗交，而家喺门口指住我闹", "NP02-07"),
        ("凌晨一点，隔篱地盘仲喺度打风炮，成栋楼都瞓唔着", "NP09-03"),
    ],
)
def test_a_cantonese_neighbour_quarrel_or_site_noise_is_placed(text: str, situation: str) -> None:
    c = run(text)  # the model may still keep the call: it has seen little written Cantonese
    assert any(e.rule_id == f"situation:{situation}" for e in c.evidence), c.rule_id


# zj-2026.12.97: police matters told by what happens: a hand on a passenger's thigh, a snakebite
# whose foot is "肿到发紫", a girl offered at a price, seedlings pulled out by an unknown hand.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("班车上邻座男子借装睡把手伸向我大腿，我换了座位，快到站了", "safety:sexual"),
        ("我老公喺菜地畀蛇咬咗脚，脚肿到发紫，车入唔到", "safety:animal_attack"),
        ("车站旁边小旅馆老板娘天天拉客，问我要不要找小妹，一百五一次", "situation:P07-03"),
        ("哪个缺德的把我地里的苗全扯了，一棵都冇剩，是人拔的", "safety:crops_destroyed"),
    ],
)
def test_police_matters_told_by_what_happens_are_kept(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter and sign in {e.rule_id for e in c.evidence}, c.rule_id


# zj-2026.12.97: 着火 inside "围着火堆", leaves in a ditch, "有个么事" (if anything happens), a
# landlord's "自己找人弄", a loss "还是被盗": no fire, fall, missing person, threat or theft.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("广场上的游客每天晚上围着火堆跳到十二点，喇叭开得老大", "safety:fire"),
        ("楼前的树太高了，叶子掉进水沟里堵着，能不能来修一下", "safety:danger"),
        ("村里冇得信号，屋里都是留守的老人，有个么事都联系不上", "safety:missing"),
        ("租的房子一落雨墙上就淌水，房东喊我自己找人弄", "safety:threat"),
        ("在狂欢节现场丢了手机，不晓得是掉了还是被盗", "safety:theft"),
    ],
)
def test_fire_fall_missing_threat_or_theft_words_said_of_something_else(
    text: str, sign: str
) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.98: strangers walking round the pens in the dead of night are suspicious persons;
# the same torches at dusk, fetching the cattle, are not.
def test_prowlers_round_the_pens_at_night_are_suspicious_persons() -> None:
    night = run("我们村最近半夜有人打着手电在各家牛圈附近转，狗一直叫")
    assert night.is_police_matter and "safety:night_prowler" in signs(night), night.rule_id
    dusk = run("傍晚我打着手电去后山把牛赶回来，牛圈门坏了想找人修")
    assert "safety:night_prowler" not in signs(dusk), dusk.rule_id


# zj-2026.12.98: a fox that steals the chickens, a landlord's price above the grid's.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("山上的狐狸来偷鸡，已经叼走五只了，这个能不能打", "safety:theft"),
        ("房东按每度电一块五收电费，明显高于电网电价", "situation:P08-03"),
    ],
)
def test_a_fox_or_an_electricity_price_is_no_theft_or_electric_fence(text: str, rule: str) -> None:
    assert rule not in {e.rule_id for e in run(text).evidence}


# zj-2026.12.99: a rotating savings club paused and a loan "向我借" are lending disputes; the
# club's head gone with the money is still fraud.
def test_a_paused_savings_club_is_a_lending_dispute_but_a_head_gone_with_it_is_fraud() -> None:
    paused = run("村里的标会会头讲这期会钱凑不齐先停，叫大家等，伊人还在，也没跑")
    assert any(e.rule_id == "situation:NP03-04" for e in paused.evidence), paused.rule_id
    lent = run("表兄前年向我借五万，讲去外地做工，现在回来了讲没钱，叫我慢慢等")
    assert any(e.rule_id == "situation:NP03-01" for e in lent.evidence), lent.rule_id
    fled = run("标会的会头卷了几十万会钱跑了，电话关机，二十几户都被骗了")
    assert fled.is_police_matter and "safety:fraud" in signs(fled), fled.rule_id


# zj-2026.12.99: another driver's car scraped while reversing, a brick propping a manhole
# cover, a visitor stopped at the gate, a weak flame, compensation sought for a past injury.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我倒车的时候把人家的车蹭了一下，掉了一块漆，他张口要五百", "safety:traffic_person"),
        ("人行道上井盖碎了半拉，有人拿块砖头垫着，怕晚上有人踩进去", "safety:armed"),
        ("我给楼里老人送煤，被保安拦在大门口不让进", "safety:crowd"),
        ("小区天然气压力不够，灶上的火苗就一点点，水烧半天不开", "safety:fire"),
        (
            "我老公出海拉网，被缆绳打断了腿骨，船老大给了五千就不管了，要找哪里讨赔偿",
            "safety:violence",
        ),
    ],
)
def test_a_scrape_a_propping_brick_a_stopped_visitor_a_weak_flame_or_a_claim_is_no_danger(
    text: str, sign: str
) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.100: an accusation that holds the whole 偷了, a parked car scraped, dogs that killed
# chickens, a standing heart condition, gambling spam: no theft, person hit, attack or illness;
# a heart attack now and dogs that bit a child still are.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("对门那个婆娘天天指桑骂槐，讲我家偷了她的鸡蛋，我要找个地方评评理", "situation:P02-01"),
        # a police word begun inside an exclusion (说我偷) and run past it (偷车) is masked too
        ("车锁的钥匙丢了，想把锁剪开，又怕保安说我偷车，要不要先开个证明", "situation:P02-01"),
        ("倒车的时候把人家停路边的车蹭了一下，车主非要我赔两千", "safety:traffic_person"),
        ("村里来了几条野狗，咬死我家三只鸡，晚上还在院子外头转", "safety:animal_attack"),
        ("隔壁孩子每晚练架子鼓到十点多，家里老人有心脏病，沟通多次无果", "situation:P06-05"),
    ],
)
def test_words_said_of_an_accusation_a_car_chickens_or_a_condition_decide_nothing(
    text: str, rule: str
) -> None:
    assert rule not in {e.rule_id for e in run(text).evidence}


def test_a_heart_attack_now_and_dogs_that_bit_a_child_are_kept() -> None:
    heart = run("我爸心脏病犯了，捂着胸口倒在地上叫不醒")
    assert heart.is_police_matter, heart.rule_id
    dogs = run("几条野狗把我家孩子咬了，腿上全是血，狗还在门口转")
    assert dogs.is_police_matter and "safety:animal_attack" in signs(dogs), dogs.rule_id


def test_gambling_spam_texts_are_no_gambling_but_a_game_next_door_is() -> None:
    spam = run(
        "我手机天天收到贷款和赌博网站的垃圾短信，请电信管理部门查一下这些号码", source="12345"
    )
    assert "situation:P07-01" not in {e.rule_id for e in spam.evidence}, spam.rule_id
    den = run("隔壁出租屋里天天晚上有人赌博，一晚上输赢好几万", source="12345")
    assert "situation:P07-01" in {e.rule_id for e in den.evidence}, den.rule_id


# zj-2026.12.101: a car stopped in a tunnel without hazard lights, a fiancée locked in a room.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("隧道里停着个车，没开双闪，黑咕隆咚的，俺差点怼上去", "situation:P05-04"),
        ("男方家把她锁屋里不让回娘家，说彩礼都给了人就是他家的了", "safety:confined"),
    ],
)
def test_a_dark_car_in_a_tunnel_or_a_woman_locked_in_a_room_is_kept(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter and rule in {e.rule_id for e in c.evidence}, c.rule_id


# zj-2026.12.101: 拐走 inside "拄拐走" and 包 inside 承包证 are no abduction and no bag; a child
# taken away still is.
def test_a_crutch_and_a_land_contract_are_no_abduction_or_theft() -> None:
    crutch = run("对门把鞋柜全堆楼道里，俺家老人拄拐走都走不过去")
    assert "safety:missing" not in signs(crutch), crutch.rule_id
    permit = run("老大把草原承包证和房产证都拿走了，谁也不给看，想请人调解")
    assert "safety:theft" not in signs(permit), permit.rule_id
    taken = run("刚才有个男的把我孩子拐走了，往车站那边跑了")
    assert taken.is_police_matter, taken.rule_id


# zj-2026.12.101: ordinary matters told plainly and placed by the rules.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("报警人称其所在加工厂已连续三个月未发工资，涉及工人十余名，目前情绪平稳", "NP01-03"),
        ("报警人称其与弟弟因父亲名下征地补偿款的分配问题发生纠纷", "NP07-05"),
        ("隔壁家养了两条藏獒拴在院门口，有人路过就往前扑", "NP02-04"),
        ("隔壁起新房子比我屋高出两层，把我屋的光全挡了", "NP02-06"),
        ("俺有套房租给个外地人，半年房租没见着了，人还住着不走", "NP05-03"),
        ("在景区转了一圈包找不着了，里头有身份证，也不知道落哪儿了", "NP15-01"),
    ],
)
def test_wages_compensation_a_mastiff_light_rent_and_a_lost_bag_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.102: money taken to "arrange" a job is fraud; a caller asking a unit to send
# someone makes no threat, while a man who says he will bring people to beat the caller does.
def test_a_fixer_paid_to_arrange_a_job_is_fraud() -> None:
    c = run("亲戚介绍了个人，讲能把我儿子弄进厂当正式工，收了我五万块打点费，现在人找不到了")
    assert c.is_police_matter and "safety:fraud" in signs(c), c.rule_id


def test_asking_a_unit_to_send_someone_is_no_threat_but_bringing_men_to_beat_is() -> None:
    asked = run("幸福路有个井盖没了，我拿纸箱子先盖上了，你们赶紧叫人来弄")
    assert "safety:threat" not in signs(asked), asked.rule_id
    threat = run("他在门口骂，说等会叫人来打我，让我等着")
    assert threat.is_police_matter and "safety:threat" in signs(threat), threat.rule_id


# zj-2026.12.103: a bag left all morning that beeps is a suspicious object; a smoke alarm
# that beeps is not.
def test_a_bag_left_all_morning_that_beeps_keeps_the_call() -> None:
    bag = run("车站边上一个编织袋放了一早上，贴耳朵听里头滴滴滴的")
    assert bag.is_police_matter and "safety:unattended_object" in signs(bag), bag.rule_id
    alarm = run("烟感器半夜一直滴滴滴的响，物业也不来换电池")
    assert not alarm.is_police_matter, alarm.rule_id


# zj-2026.12.103: 偷偷用 is a captive's secret phone, not anything done on the quiet; 拉扯
# two children is raising them, not a scuffle; a railing a car hit long ago hurt no one.
@pytest.mark.parametrize(
    ("text", "source", "sign"),
    [
        ("有人偷偷用旧机器在院里熬沥青，晚上干白天歇", "110", "safety:detention"),
        ("她男人走得早，她一个人拉扯两个孩子，房子漏雨没人管", "110", "safety:violence"),
        ("桥头的护栏被车撞断一截，两个月了没人修", "12345", "safety:injury"),
    ],
)
def test_a_secret_machine_raising_children_and_a_dented_railing_are_no_danger(
    text: str, source: str, sign: str
) -> None:
    assert sign not in signs(run(text, source=source))


def test_a_captives_secret_phone_a_scuffle_and_a_person_hit_still_keep_the_call() -> None:
    phone = run("她是偷偷用别人手机打的，说被关在屋里出不来")
    assert phone.is_police_matter and "safety:detention" in signs(phone), phone.rule_id
    scuffle = run("两个人在门口拉扯起来了，旁边人拉不开")
    assert scuffle.is_police_matter and "safety:violence" in signs(scuffle), scuffle.rule_id
    hit = run("我被车撞了，腿动不了，司机还在", source="12345")
    assert hit.is_police_matter and "safety:injury" in signs(hit), hit.rule_id


# zj-2026.12.103: a road-breaker at night, a KTV's howling and a hill held by an old deed.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("小区外面在挖管道，半夜机器一直响，吵得睡不着", "NP09-03"),
        ("隔壁KTV一到晚上就鬼哭狼嚎，根本睡不了", "NP09-05"),
        ("邻村的人说那片山是他们的，我家有地契，祖上传下来的", "NP14-03"),
    ],
)
def test_night_digging_a_ktvs_howling_and_an_old_deed_are_placed(text: str, situation: str) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.104: a greenhouse slit by an unknown hand; a stall that cuts seals for money.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我家菜棚子不知道叫谁给割破了，薄膜全烂了，菜冻死一片", "safety:crops_destroyed"),
        ("火车站出口有人收钱刻章，说啥证明都能给你弄出来", "safety:forgery_sold"),
    ],
)
def test_a_slit_greenhouse_and_a_seal_cut_for_money_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter and sign in signs(c), c.rule_id


# zj-2026.12.104: coal burnt on the quiet, a foot hurt at work, wages held back and no room
# to be found are no theft, damage, captive or missing child.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("冬天不让烧煤，隔壁还偷着烧，烟熏得人难受", "safety:theft"),
        ("在厂里干活让铁块砸了脚，老板不给报销", "safety:damage"),
        ("包工头说俺们工资被扣着年底才给，几十个人都没拿到", "safety:detention"),
        ("房东突然让三天内搬，孩子在附近上学，一下子找不到房子", "safety:unreachable"),
    ],
)
def test_things_done_on_the_quiet_or_held_back_are_no_crime(text: str, sign: str) -> None:
    assert sign not in signs(run(text))


def test_papers_held_with_the_person_still_keep_the_call() -> None:
    c = run("孩子的身份证被扣着，人也不让走，在一个厂子里")
    assert c.is_police_matter, c.rule_id


# zj-2026.12.105: peaches taken in the spoken passive, a brawl and a threat in northwestern
# speech keep the call.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("俺家地里的桃子叫人给摘了，快熟了，树枝子都撅断了", "safety:crops_taken"),
        ("两拨人在饭店门口扭在一搭了，一个头上淌血", "safety:violence"),
        ("他在群里说明天去村委会闹，谁也别想好过", "safety:threat"),
    ],
)
def test_peaches_taken_a_brawl_and_no_one_spared_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter and sign in signs(c), c.rule_id


# zj-2026.12.105: a wife accused of a theft, no bed for the night, a deposit kept and a car
# scraped are no theft, threat or person hit.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("邻居老太太说我媳妇偷了她家的鸡蛋，到处讲", "safety:theft"),
        ("厂子倒了，今晚不晓得住哪块", "safety:threat_home"),
        ("退租的时候房东说押金没了，合同上没写", "safety:theft"),
        ("倒车的时候把我车的后视镜蹭了，人没事，他不认账", "safety:traffic_person"),
    ],
)
def test_an_accused_wife_no_bed_a_kept_deposit_and_a_scraped_car_are_no_crime(
    text: str, sign: str
) -> None:
    assert sign not in signs(run(text))


def test_a_person_knocked_down_by_a_reversing_car_still_keeps_the_call() -> None:
    c = run("那个车倒车把我撞倒了，腿动不了")
    assert c.is_police_matter, c.rule_id


# zj-2026.12.105: a car parked across the gate, sheep in the seedlings.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("办喜事的客人把车横着停在我家大门口，我车出不去", "NP02-05"),
        ("他家的羊跑进地里把菜苗踩了一大片", "NP14-02"),
    ],
)
def test_a_car_across_the_gate_and_trampled_seedlings_are_placed(text: str, situation: str) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.106: lost in a cave, a plate cloned "一模一样" keep the call.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我们几个进山洞玩，手电没电了，找不到出去的路了", "safety:danger"),
        ("有辆车车牌跟我的车一模一样，我这几个月收了好多罚单", "safety:forgery_sold"),
    ],
)
def test_lost_in_a_cave_and_a_cloned_plate_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter and sign in signs(c), c.rule_id


# zj-2026.12.106: a stray calf found, nowhere to live told the other way round and a kitchen
# knife bought are no missing person, threat or weapon.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("在山上捡到一头走失的小牛，想找主人", "safety:missing"),
        ("我现在住哪里都不晓得，儿女都不管我", "safety:threat_home"),
        ("想在超市买一把菜刀，收银员要身份证", "safety:armed"),
    ],
)
def test_a_stray_calf_no_home_and_a_knife_bought_are_no_danger(text: str, sign: str) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.106: a pig in the seedlings, a lorry at the yard gate, a key snapped in a lock.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("他家的猪跑出来把我地里的菜苗拱了", "NP14-02"),
        ("一辆货车停在我家院门口，车出不去，电话也不接", "NP02-05"),
        ("摩托车钥匙断在锁孔里了，推不动", "NP15-02"),
    ],
)
def test_a_pig_a_lorry_at_the_gate_and_a_snapped_key_are_placed(text: str, situation: str) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.107: a motorbike gone when the caller came back, told in Cantonese.
def test_a_motorbike_gone_when_the_caller_came_back_keeps_the_call() -> None:
    c = run("我部电单车停喺楼下，落去返来就冇咗")
    assert c.is_police_matter and "safety:vehicle_gone" in signs(c), c.rule_id


def test_a_manhole_cover_gone_beside_a_passing_e_bike_is_no_vehicle_theft() -> None:
    c = run("建设路上一个井盖没了，黑了骑电动车的谁看得见")
    assert "safety:vehicle_gone" not in signs(c), c.rule_id


# zj-2026.12.107: clothes packed, a coconut chopped, a fitter sent for and sons away for the
# new year are no threat or missing person; a guesthouse unlike its photos is no extortion.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("老婆收拾衫裤讲要返外家，我没打她", "safety:threat_said"),
        ("卖椰子的斩开了讲要三十蚊", "safety:threat_said"),
        ("叫人来装空调，装完第二天就漏水，师傅说要另外收钱", "safety:threat"),
        ("两个儿子在外面打工，过年都没回来，屋漏了没人修", "safety:missing"),
        ("在景区民宿订了两晚，到了发现房间和网上照片完全不一样，老板不给退", "situation:P02-04"),
    ],
)
def test_packing_chopping_a_fitter_absent_sons_and_a_photo_are_no_crime(
    text: str, rule: str
) -> None:
    assert rule not in {e.rule_id for e in run(text).evidence}


def test_a_parking_place_held_with_old_tyres_is_placed() -> None:
    c = run("有部车霸住我车位，打电话都不接")
    assert any(e.rule_id == "situation:NP02-05" for e in c.evidence), c.rule_id


# zj-2026.12.108: an engine not started, a stray sheep, a denied theft and a car across a gate
# are no fire, missing person, theft or crowd.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("车钥匙锁车里了，车也没打着火，里面没人", "safety:fire"),
        ("在路边捡到一只跑丢的羊，耳朵上有标，想找主人", "safety:missing"),
        ("她在门口骂我说我偷她家的菜，我啥时候偷过", "safety:theft"),
        ("两辆车在门口蹭了一下，人都没事，车堵着门在那吵", "safety:crowd"),
    ],
)
def test_an_engine_a_stray_sheep_a_denial_and_a_blocked_gate_are_no_danger(
    text: str, sign: str
) -> None:
    assert sign not in signs(run(text))


def test_a_crowd_blocking_a_gate_still_keeps_the_call() -> None:
    c = run("几十个人堵着门不让厂长出来，还在推搡")
    assert c.is_police_matter and "safety:crowd" in signs(c), c.rule_id


# zj-2026.12.108: cattle in the crops, a restaurant tab, a passbook lost.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("邻村的牛钻进俺家玉米地，踩倒了好几亩", "NP14-02"),
        ("有个老板在我店里签单吃饭，挂的账一直不结", "NP03-02"),
        ("老人的存折放在布兜里，赶集回来就找不着了", "NP15-01"),
    ],
)
def test_cattle_in_the_crops_a_tab_and_a_lost_passbook_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.109: elders who cannot reach their children for want of a signal, a theft denied
# and a film crew's firecracker gunfire are no missing person, theft or weapon.
@pytest.mark.parametrize(
    ("text", "source", "sign"),
    [
        ("村里信号差，打电话要爬山，家里老人有事联系不上", "110", "safety:missing"),
        ("她讲我偷了她的菜，我哪里会偷，我们没动手", "110", "safety:theft"),
        ("剧组晚上在老街拍戏，放鞭炮模拟枪声，小孩都吓哭了", "12345", "safety:weapon"),
    ],
)
def test_no_signal_a_denial_and_a_film_crews_gunfire_are_no_danger(
    text: str, source: str, sign: str
) -> None:
    assert sign not in signs(run(text, source=source))


def test_an_old_man_who_cannot_be_reached_since_morning_still_keeps_the_call() -> None:
    c = run("家里老人早上出去到现在联系不上，电话关机了")
    assert c.is_police_matter and "safety:missing" in signs(c), c.rule_id


# zj-2026.12.109: a van at the door, bottled gas not delivered, a scale that weighs short.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("隔壁的面包车又堵我门口，货拉不出去", "NP02-05"),
        ("订的瓶装液化气说好上午送，到晚上还没来", "NP10-03"),
        ("收购站的秤有问题，一百斤称出来只有九十", "NP04-05"),
    ],
)
def test_a_van_at_the_door_bottled_gas_and_a_short_scale_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.110: a child not let go to her mother's and weedkiller on his own field are no
# abduction or blow.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("报警人称她要抱孩子回娘家，丈夫拦着不让抱走，没动手", "safety:child_predator"),
        ("邻居打除草剂飘到俺家菜地，他说药是打他自个儿地里的", "safety:violence"),
    ],
)
def test_a_child_kept_home_and_weedkiller_on_his_field_are_no_danger(text: str, sign: str) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.110: a phone found, a short weight, a card barely used, eaves over the yard,
# yangge at night and a leased paddy planted by another.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("在村口捡了部手机，一直有人打，交到哪", "NP15-05"),
        ("鱼市买的鱼称上三斤，回家一称二斤，缺斤短两", "NP04-05"),
        ("澡堂子突然关门了，俺办的一千块钱卡才用了两回", "NP04-01"),
        ("后院邻居翻盖房子，房檐子伸到我家院子上头", "NP02-06"),
        ("楼下空地天天晚上打腰鼓扭秧歌，到十点还不散", "NP09-02"),
        ("我承包的稻田让别人种上了，村里也说不清", "NP14-03"),
    ],
)
def test_a_found_phone_a_short_weight_and_eaves_over_the_yard_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.111: workers at an office gate with a banner held are a crowd.
def test_workers_holding_a_banner_at_the_gate_keep_the_call() -> None:
    c = run("俺们一车工友都到镇政府门口了，拉着横幅要工钱，俺们也不想闹")
    assert c.is_police_matter and "safety:crowd" in signs(c), c.rule_id


# zj-2026.12.111: a brick laid on a manhole cover, a tree felled at a disputed boundary and a
# leak dripping through the ceiling are no weapon, blow or falling object.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("路边井盖翘起来了，我拿了块砖头压起，怕有人踩翻", "safety:armed"),
        ("他家和我家为山上的界线争了几年，今天看到界边的树被砍了，他说树是他的", "safety:violence"),
        ("楼上卫生间漏水，把我家房顶泡黄了，还滴答滴答往下掉", "safety:falling_object"),
    ],
)
def test_a_brick_a_felled_tree_and_a_drip_are_no_danger(text: str, sign: str) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.111: snack carts in the way and a neighbour's geese in the paddy.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("古城门口一排推车卖小吃的把路堵了", "NP09-04"),
        ("别人家的鹅天天到我田里，秧苗都吃了", "NP14-02"),
    ],
)
def test_snack_carts_and_geese_in_the_paddy_are_placed(text: str, situation: str) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.112: money paid through a code a stranger sent is fraud; strangers with torches
# going round the village at night are prowlers.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("有人自称燃气公司的打电话说我欠费，叫我扫他发的码，我扫了付了八百", "safety:fraud"),
        ("这几天晚上拿手电在村里到处照的那几个外地人，问他也不说干啥", "safety:night_prowler"),
    ],
)
def test_a_strangers_code_paid_and_torches_round_the_village_keep_the_call(
    text: str, sign: str
) -> None:
    c = run(text)
    assert c.is_police_matter and sign in signs(c), (c.rule_id, signs(c))


# zj-2026.12.112: a knife whose edge curled, a fitter who vanished half way, a parent waiting
# at the school gate, a kitchen's smoke at every meal and an open manhole asked about.
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("集上买的菜刀，切了两回刀口就卷了，老板说刀是我自己砍骨头砍坏的，不给换", "safety:armed"),
        ("装修的活干了一半人不见了，钱倒是先收了七成", "safety:missing"),
        ("前夫这周不让我接孩子，我去学校门口等，他先接走了", "safety:threat"),
        ("楼下烧烤店一到晚上就浓烟滚滚，熏得没法开窗", "safety:fire"),
        ("路口井盖没了，晚上黑乎乎的，人掉下去怎么办", "safety:danger"),
    ],
)
def test_a_curled_knife_a_vanished_fitter_and_an_open_manhole_are_no_danger(
    text: str, sign: str
) -> None:
    assert sign not in signs(run(text))


# zj-2026.12.112: chillies fried next door, a salon's injection, goods taken on a promise to
# pay at the month's end, a mine's small payment for an injury.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("隔壁天天炸油辣子，呛得我们一家人咳", "NP09-06"),
        ("在美容院打了水光针，脸上过敏起疙瘩，店里不管", "NP08-04"),
        ("有个老板拿了我的茶叶，说月底打钱，半年了没给", "NP03-02"),
        ("干活摔坏了腰，现在干不了重活，厂里只给了三千", "NP01-04"),
    ],
)
def test_fried_chillies_a_salon_injection_and_a_tab_are_placed(text: str, situation: str) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.113: a fire imagined in a blocked stairwell, a pressure cooker that leaks, another's
# motorbike knocked over while reversing and a stroke years ago are no danger; waste burnt for
# days on a farm, smelling of plastic, is a nuisance for 12345's environment office.
@pytest.mark.parametrize(
    ("text", "source", "sign"),
    [
        ("楼道里堆满了纸箱子，这要是着火了一个都跑不出去", "110", "safety:fire"),
        ("刚买的高压锅用了两回就漏气，店里不给换", "110", "safety:gas"),
        ("我倒车把人家的摩托车碰倒了，人没事，他要八百", "110", "safety:traffic_person"),
        ("我爸中风瘫在床上好几年了，想问问能不能办个护理补贴", "110", "situation:P06-05"),
        ("村边有人把废菌棒堆在一起点火烧，冒黑烟有塑料味，天天这样", "12345", "safety:fire"),
    ],
)
def test_an_imagined_fire_a_leaking_cooker_and_a_knocked_motorbike_are_no_danger(
    text: str, source: str, sign: str
) -> None:
    c = run(text, source=source)
    assert sign not in fired(c), c.rule_id


# zj-2026.12.114: latex scraped from the cups overnight is a crop taken; a demand to pay or
# be posted online is extortion, a fee an agency keeps beside the flat's photos is not.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("胶林里的胶杯昨晚上又给人刮空了，这个月第二回", "safety:crops_taken"),
        ("他手里有我喝醉的照片，说不给他五千就发抖音", "situation:P02-04"),
    ],
)
def test_latex_scraped_and_a_demand_to_pay_or_be_posted_keep_the_call(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter and any(e.rule_id == rule for e in c.evidence), c.rule_id


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("中介收了一个月房租当中介费，房子和照片上两码事，想退中介费他不给", "situation:P02-04"),
        ("买的三轮车开了三天就坏，气得我真想一锤子砸了它", "safety:damage"),
        ("老汉一个人住，炕塌了，煤也没了，想问问救济", "safety:danger"),
        ("邻居家两条狗天天打架，吵得睡不着", "safety:violence"),
        ("昨晚野象下山，香蕉推倒了一大片，人都没事，补偿找谁", "safety:violence"),
    ],
)
def test_an_agency_fee_an_angry_wish_a_fallen_kang_and_fighting_dogs_are_no_danger(
    text: str, rule: str
) -> None:
    c = run(text)
    assert rule not in fired(c), c.rule_id


# zj-2026.12.115: words said of something else — a cat and a dog that fought, a key dropped in
# the river, a storey added on the quiet, a wife gone to her mother's with the child, the smell
# of fried fish, an injection that hurt a nerve, pupils' words and a shove.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("俺家猫跟他家狗打起来了，他非让俺赔五百", "safety:violence"),
        ("电动车钥匙掉进了河沟里，车锁着推不走", "safety:vehicle_crash"),
        ("邻居偷摸加盖了一层，把俺家的光全挡了", "safety:theft"),
        ("两口子拌了几句嘴，她就回娘家了，孩子也抱走了，想找人劝劝", "safety:child_predator"),
        ("楼下饭馆天天一股子炸鱼味儿，油烟直冲窗户", "situation:P08-03"),
        ("我爸在诊所打了一针，后来查出来是打针伤到了神经，诊所不认", "safety:injury"),
        ("孩子跟同学在学校口角推搡，老师已经拉开，都没受伤", "safety:violence"),
    ],
)
def test_a_cat_and_dog_a_dropped_key_and_a_wife_at_her_mothers_are_no_danger(
    text: str, rule: str
) -> None:
    c = run(text)
    assert rule not in fired(c), c.rule_id


# zj-2026.12.115: bacon smoked next door, stalks stacked across the lane, the parents' flat
# shared out are placed.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("隔壁天天熏腊肉，烟子往我家灌，衣服都晾不成", "NP09-06"),
        ("邻居把玉米秸子堆道上了，三轮车过不去", "NP02-03"),
        ("我跟弟弟因为已故父母名下的房子怎么分吵起来了", "NP07-05"),
    ],
)
def test_smoked_bacon_stacked_stalks_and_a_parents_flat_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.115: a swindle reported at the station last week is settled; one that just happened
# stays with the police even when the caller asks whether the money can be got back.
def test_a_swindle_reported_last_week_is_settled_and_one_just_now_is_kept() -> None:
    assert "safety:fraud" not in signs(run("被人骗了三千块，已在派出所报案，想问问办到哪一步了"))
    assert run("我刚被骗了两万块，能不能追回来").is_police_matter


# zj-2026.12.116: a company in the caller's name the caller never opened, men in and out of a
# guesthouse room all night, goods certified by a body that does not exist and the seller gone.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("去办医保，人家说我名下有个公司，我一个种地的，哪来的公司", "safety:identity_fraud"),
        ("住的那家农家院，隔壁一宿换好几拨人，老板说是按摩的", "safety:vice_offer"),
        ("网上买的野山参带证书，一查证书上那个鉴定机构根本没有，卖家账号注销了", "safety:fraud"),
    ],
)
def test_a_phantom_company_men_all_night_and_a_vanished_seller_keep_the_call(
    text: str, rule: str
) -> None:
    c = run(text)
    assert c.is_police_matter and rule in signs(c), (c.rule_id, signs(c))


# zj-2026.12.116: festival firecrackers, a cooker that smoked, a bowl a cleaner broke, a mother's
# medicine, a denied hen, yangko danced by a group, a child's words, field smoke on 12345.
@pytest.mark.parametrize(
    ("text", "source", "rule"),
    [
        ("火把节晚上对门一直放火炮，打到半夜", "110", "safety:fire"),
        ("新买的电饭锅用了三天就冒烟了，店里不给退", "110", "safety:fire"),
        ("钟点工把我家那个老碗打烂了，说本来就是裂的", "110", "safety:violence"),
        ("包落在出租车上了，里头有我妈的救命药", "110", "safety:cry_for_help"),
        ("隔壁天天骂街，说我家偷了她的鸡，我哪个偷她的鸡嘛", "110", "safety:theft"),
        ("小区院里一伙人扭秧歌，天天敲到九点", "110", "safety:crowd"),
        ("同桌说要弄死他，小孩儿瞎说的，想让老师管管", "110", "safety:threat"),
        ("村外天天烧秸秆，浓烟飘进小区，窗户都不敢开", "12345", "safety:fire"),
    ],
)
def test_firecrackers_a_smoking_cooker_and_a_childs_words_are_no_danger(
    text: str, source: str, rule: str
) -> None:
    assert rule not in signs(run(text, source=source))


# zj-2026.12.116: a car across the door, the rest of an injury's compensation, a stray sheep tied.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("有车把我家门堵了，车上电话打不通", "NP02-05"),
        ("干活锯了手指，住院钱老板给了，后边的赔偿就给三千", "NP01-04"),
        ("路上拦住一只跑丢的羊，先拴在我院里了，不知道谁家的", "NP15-05"),
    ],
)
def test_a_blocked_door_an_injurys_rest_and_a_tied_sheep_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.117: staff kept in their own office by a crowd, a loan taken out on the caller's
# card, and a collector's daily calls keep the call; a creditor's daily calls to a guarantor do not.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("营业厅里聚了一群人要退费，把大门堵上不让工作人员走", "safety:detention"),
        ("同事用我的身份证去贷款，钱我一分没见着", "safety:identity_fraud"),
        ("网贷还不上，催收的人天天打电话", "situation:P01-06"),
    ],
)
def test_staff_kept_a_loan_on_my_card_and_collectors_calls_keep_the_call(
    text: str, rule: str
) -> None:
    c = run(text)
    assert c.is_police_matter and rule in fired(c), (c.rule_id, fired(c))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("给表哥借钱做了担保，他还不上，债主天天打电话叫我还，说话还客气", "situation:P01-06"),
        ("炕面塌了一块，房东说是我烧火烧坏的，叫我自己修", "safety:fire"),
        ("他挣的钱全打他妈卡上了，我一问就吵", "safety:violence"),
        ("借了五千一年不还，一问就说打死也没钱", "safety:threat"),
        ("山里没信号一个礼拜了，老人联系不上在外地打工的孩子", "safety:missing"),
        ("冬天燃气压力小，火苗子只有一点点", "safety:fire"),
    ],
)
def test_a_guarantors_creditor_a_burnt_kang_and_a_debtors_words_are_no_danger(
    text: str, rule: str
) -> None:
    c = run(text)
    assert rule not in fired(c), c.rule_id


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("村里把我承包的养殖塘重新发包给别人了", "NP14-03"),
        ("养猪场的粪水往河沟里排，臭得很", "NP09-06"),
        ("螃蟹问价说八十一斤，称完算成一百八", "NP04-06"),
        ("在祠堂门口拾得一部手机，交给谁", "NP15-05"),
        ("有个车把我家大门口堵了，电话打不通", "NP02-05"),
    ],
)
def test_a_pond_let_again_slurry_and_a_price_each_are_placed(text: str, situation: str) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.175: water down a wall from upstairs, sons taking turns to keep a mother, a hospital
# stay's bill, a locked public toilet (in the Jin word too) are each placed.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("楼上水管爆了，水一直顺墙流，他家没人", "NP02-02"),
        ("我们兄弟几个说好轮流住，老母亲这个月该去老三家，老三把门一关", "NP07-03"),
        ("住了一礼拜院，出院拿到清单，有好几样药没用过", "NP08-03"),
        ("广场那边的茅房锁着门，赶集的没地方上", "NP13-04"),
        ("汽车站门口的公共厕所坏了没人修", "NP13-04"),
    ],
)
def test_a_wall_running_wet_turns_to_keep_a_bill_and_a_toilet_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.178: a badger at the cellar, a quarrel with "掌柜的" (a husband, in the northwest), a
# buyer's unpaid balance are each placed; .179: a thing "捡着" (found, in the southwest); .181: weak gas,
# a shared yard piled up; .184: a hob that will not light; .185: money a friend took as a loan.
@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("半夜獾子下来刨了我家的红薯窖", "NP14-01"),
        ("我跟掌柜的为孩子上学的事吵了一架，他摔门出去了", "NP07-01"),
        ("茶叶卖给外地老板，只给了定金，余款三万一直拖着", "NP03-02"),
        # .179: the southwest's 捡着 for a thing found
        ("我在河边捡着一个书包，里头有课本，交给哪个", "NP15-05"),
        # .181: the gas too weak to cook; a shared yard piled with firewood
        ("这几天天然气火小得很，水都烧不开", "NP10-03"),
        ("邻居把柴火堆在共用院坝里，三轮车进不去", "NP02-03"),
        # .184: the hob will not light
        ("灶打不燃，卡里明明有钱，咋个没气", "NP10-03"),
        # .185: money a friend "借走"
        ("同学三年前借走一万块，到现在不还，还把我拉黑了", "NP03-01"),
    ],
)
def test_a_badger_a_husband_called_the_boss_and_a_balance_are_placed(
    text: str, situation: str
) -> None:
    assert any(e.rule_id == f"situation:{situation}" for e in run(text).evidence)


# zj-2026.12.118: a road washed half away while cars still use it is a live road danger; work
# done under the caller's name somewhere never seen is identity fraud.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "暴雨把村口那段路基冲垮了一半，车还照样在开过去，也没人拦",
            "safety:road_washed_out_in_use",
        ),
        ("去办社保才知道有人用我的名字在外地厂里干了两年，我从没去过", "safety:identity_fraud"),
    ],
)
def test_a_washed_out_road_in_use_and_work_under_my_name_keep_the_call(
    text: str, rule: str
) -> None:
    c = run(text)
    assert c.is_police_matter and rule in signs(c), (c.rule_id, signs(c))


def test_a_washed_out_road_already_closed_is_no_live_danger() -> None:
    assert "safety:road_washed_out_in_use" not in signs(
        run("路基被冲垮了一半，已经封路了，问什么时候修")
    )


# zj-2026.12.118: an open manhole feared for, a key locked in told 锁匙, a water tank on the roof
# and falling tiles asked about are no danger.
@pytest.mark.parametrize(
    ("text", "source", "rule"),
    [
        ("路口井盖没了，晚上没灯，担心有人掉下去", "110", "safety:danger"),
        ("锁匙锁在屋里了，屋里冇人，想问开锁电话", "110", "safety:detention"),
        ("隔壁屋顶上搭的那只大水箱漏水，渗到我家墙里", "110", "safety:trapped_by_water"),
        ("外墙瓷砖掉了好几块，下面是小孩玩的地方，砸到人怎么办", "12345", "safety:danger"),
    ],
)
def test_a_feared_manhole_a_locked_in_key_and_a_roof_tank_are_no_danger(
    text: str, source: str, rule: str
) -> None:
    assert rule not in signs(run(text, source=source))


# zj-2026.12.119: a drunk told by his legs who will drive, and a cave's way back lost, keep the
# call; a bus passenger who could not stand is no drunk.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("酒席上他喝到站都站不稳，硬要开车送人，钥匙抢不下来", "situation:P05-03"),
        ("我们几个钻进一个野洞，手电快没电了，找不到来时的路", "safety:danger"),
    ],
)
def test_a_drunk_who_will_drive_and_a_lost_cave_keep_the_call(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter and rule in fired(c), (c.rule_id, fired(c))


def test_a_bus_passenger_who_could_not_stand_is_no_drunk_driver() -> None:
    c = run("公交司机一脚刹车一脚油门，我站都站不稳，要投诉他")
    assert all(e.rule_id != "situation:P05-03" for e in c.evidence)


# zj-2026.12.119: shame, bamboo cut at a boundary, no money left, a death at night, a television
# drowned out, a re-enactment's gunfire and a tricycle that slid are no danger.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("买的米酒一股馊味，带回去给客人喝的，丢死人了", "safety:injury"),
        ("邻村砍竹子砍过界了，砍了我们几十根，两边没动手", "safety:violence"),
        ("打零工钱包丢了，身上一分钱都没了，回不了家", "safety:theft"),
        ("我爹前天看了病，夜里后半夜人就没了，想找卫生院要个说法", "safety:missing"),
        ("广场上跳舞音箱开到顶，电视声儿都听不见了", "safety:theft"),
        ("景区天天演实景剧，枪声炮声响一下午", "safety:weapon"),
        ("路滑，三轮车溜了一下，蹭了前头小车的保险杠，人都没事", "safety:hit_and_run"),
    ],
)
def test_shame_a_boundarys_bamboo_and_a_slid_tricycle_are_no_danger(text: str, rule: str) -> None:
    assert rule not in signs(run(text))


# zj-2026.12.120–.278: words the steps taught the rules to read as no danger, each row with its
# step (the sign or situation named must not fire).
@pytest.mark.parametrize(
    ("text", "source", "rule"),
    [
        # .120: catkins blown indoors, waste poured on the ground, a bank dug away, rent spent
        ("春天柳絮飞入室内，想让物业把树修一修", "110", "safety:theft"),
        ("有个小作坊把废液倒在地上，边上的草全黄了", "12345", "safety:injury"),
        ("采砂船天天在那挖，河岸被挖塌了好几处", "12345", "safety:danger"),
        ("交完钱就没了，回老家的路费都凑不齐，想问救助站在哪", "110", "safety:theft"),
        # .121: the gas cut, cats under cars, a Lugu lake village, morning exercises to music
        ("燃气三天两头断气，家里老人冻得受不了", "110", "safety:injury"),
        ("流浪猫老往车底下钻，半夜还叫", "110", "safety:danger"),
        ("小落水那边的客栈半夜放音乐，吵得睡不着", "110", "safety:danger"),
        ("一群人天天早上在广场跳健身操，音乐声开得老大", "110", "safety:crowd"),
        # .122: a house rebuilt after the quake, its memorial, a tenant's things locked in, a manhole
        # feared for at night, a name typed wrong, a brand ruined
        ("我爸走了，地震后政府补助建的那套房，我哥一个人占了", "110", "situation:P04-06"),
        ("去地震遗址参观，钱包掉在停车场了", "110", "situation:P04-06"),
        ("房东把锁换了，我的东西全锁在屋里拿不出来", "110", "safety:detention"),
        ("路口下水道井盖丢了，怕夜里有人掉进去", "110", "safety:danger"),
        ("身份证上名字的一个字被打成了别的字，去哪改", "12345", "safety:violence"),
        ("外地的次品冒充我们县的土特产卖，砸了我们的牌子", "12345", "safety:damage"),
        # .123: a low flame, woods to be felled, stakeless mahjong, a class shut, a distant fall unpaid
        ("天然气压力小，炒菜火苗子就一点点", "110", "safety:fire"),
        ("他家说明年就要把那片杉树砍了卖，那是我家的山", "110", "safety:threat_said"),
        ("楼上天天打麻将，说是不赌钱，可太吵了", "110", "situation:P07-01"),
        ("给孩子报的舞蹈班关门了，老板电话到现在打不通", "110", "safety:unreachable"),
        ("男人在外省工地摔伤了，已经回家躺着，老板一分钱不肯赔", "110", "safety:injury"),
        # .124: a drain covered, a quarrel without blows, a factory not found, burnt plastic, a tour's
        # shop, a clinic's needles, a phone remembered, a storm's relief, a fraud reported long ago
        ("邻居盖房把我家排水沟压住了，下雨水排不出去", "110", "safety:danger"),
        ("兄弟俩为分房吵了好几回，没吵到动手，想找人调解", "110", "safety:violence"),
        ("车站有个老人说来找儿子打工的厂，厂找不到了，钱也花完了", "110", "safety:missing"),
        ("有人天天在田边烧垃圾，塑料烧起来那个味道呛得很", "110", "safety:fire"),
        ("跟团去的购物店，导游说不买东西不让走，要求查处旅行社", "12345", "safety:detention"),
        ("垃圾池里有用过的针管和输液袋，医疗废物没人管", "12345", "situation:P07-02"),
        (
            "在景区玩，手机不见了，还以为叫人摸了，后来想起来是搁在观光车座位上了",
            "110",
            "safety:theft",
        ),
        ("台风过后大棚全倒塌了，救灾款到现在还没发", "12345", "safety:danger"),
        (
            "网购被骗了三千多，当时在网上报过警，一直没回复，想问进展",
            "12345",
            "safety:fraud_victim",
        ),
        # .125: children pushed at play, a wire rope at work, a channel fallen in
        ("孩子和同学课间打闹被推倒，膝盖磕破了，两家为医药费谈不拢", "110", "safety:violence"),
        ("我男人在工地叫钢丝绳打断了手指，老板说不归他赔", "110", "safety:violence"),
        ("村里水渠塌了好几处，地里浇不上水", "12345", "safety:danger"),
        # .126: a taxi's luggage, a chaff cutter's old cut, a motor burnt out, a missed bus
        ("打车讲好一百五，到了要两百，不给不让下车拿行李", "110", "safety:detention"),
        ("去年在养牛场铡草，手叫铡刀伤了，老板后来不管了", "110", "safety:weapon"),
        ("新买的铡草机用了三天，电机冒烟烧了，店里不给换", "110", "safety:fire"),
        ("班车今天没来也没通知，一群人在路边等了两个钟头", "110", "safety:crowd"),
        # .127: a debtor's known address, a chimney, a toilet locked, weedkilled seedlings, a coned hole
        ("借给工友三千块，他回老家不接电话了，我知道对方家住哪", "110", "safety:threat_home"),
        ("村边砖厂烟囱天天冒烟，衣服晒不干净", "110", "safety:fire"),
        ("圩场公厕老锁着，赶圩的老人找不到厕所", "110", "safety:missing"),
        ("上面果园打了除草剂，雨水冲下来把我家秧苗都弄死了", "110", "safety:threat"),
        ("路面塌了个洞，已经用雪糕筒围住了，请市政来修", "12345", "safety:crowd"),
        # .128: a kiln's fall unpaid, a struck tree, children kept in by dogs, a sugar-coated bullet
        ("在砖厂搬砖摔伤了腰，老板一分钱不赔", "110", "safety:injury"),
        (
            "两家山界说不清，对方砍了几棵杉树卖了，双方没有吵架动手，要求林业站确认",
            "110",
            "safety:violence",
        ),
        ("小区野狗晚上追人，孩子都不敢出去，请来抓一下", "110", "safety:detention"),
        ("有人举报村干部收了开发商的糖衣炮弹，请纪委查", "110", "safety:explosion"),
        # .131: a gate shut against a visitor, a driver's hundred to bring back a phone, an office's
        # line unanswered
        ("离婚后他不给我见孩子，我每次去他家，他妈就把大门关起来", "110", "safety:detention"),
        ("手机落在出租车上，司机说要给两百块才送回来", "110", "safety:detention"),
        ("晚上停电三个小时了，打供电所电话没人接，家里有老人", "110", "safety:unreachable"),
        # .132: collectors who call the debtor a swindler; power drawn off a meter (偷接)
        ("催收的天天给我亲戚打电话，说我是骗子，能投诉吗", "110", "safety:fraud"),
        ("老房子没人住，电费扣了三百多，怀疑哪个偷接了", "110", "safety:theft"),
        # .133: someone called to settle a scrape's liability; a show rehearsed at dawn
        ("会车时后视镜刮了一下，车也能开，对方一定要叫人来定责才肯走", "110", "safety:threat"),
        (
            "广场上每天早上六点就有一帮人敲鼓练节目，天天这样，上夜班的补不了觉",
            "110",
            "safety:crowd",
        ),
        # .134: a phone dropped from a cable car; sheep swept off a river bank last year
        ("坐索道的时候手机掉下去了，落到林子里了，能帮忙找吗", "110", "safety:danger"),
        (
            "去年水库放水时河滩上放羊，一下子冲走了好几只，建议放水前广播通知",
            "110",
            "safety:danger",
        ),
        # .135: charcoal for warmth, drums beaten for an hour, a question whether it is gambling
        ("煤改电以后老停电，火炉子拆了，想烧炭也烧不成，屋里冻得很", "110", "safety:self_harm"),
        ("早上五点就有人在楼下打腰鼓，一打一个钟头", "110", "safety:violence"),
        ("村里麻将馆白天都是老人打一块两块的，这个算不算赌博？", "110", "situation:P07-01"),
        # .136: insects in at the window; a neighbour told to pen his hens
        ("门口的树枝伸到窗子边上，虫子都爬进来了，想请人修剪", "110", "safety:intruder"),
        ("隔壁的鸡天天来刨我的菜地，喊他关起来他就是不关", "110", "safety:detention"),
        # .137: a heater that smoked when plugged in, a green belt dug up for vegetables, a
        # fear about the night, an urgent need with no signal
        ("网上买的电暖气，插上就冒烟，商家不给退", "110", "safety:fire"),
        ("小区门口的绿化带被人铲掉种了菜，要求恢复", "110", "safety:crops_destroyed"),
        ("路上井盖缺了，有人插了根树枝，担心夜间有人掉进去", "110", "safety:danger"),
        ("山里手机没信号，老人有急事都联系不上，想问能不能建个塔", "110", "safety:missing"),
        # .138: a dance by its name at dawn; a fall feared, "可不得了"
        ("早上六点不到楼下那一伙人就开始跳鬼步舞，音乐震得窗子响", "110", "safety:crowd"),
        ("码头的栏杆锈断了，小孩趴在断口看鱼，掉下去可不得了", "110", "safety:danger"),
        # .139: a child raised alone; an old mother no son takes in; a bought bottle doubted
        ("离婚以后他一分抚养费都不给，我一个人拉扯孩子到现在", "110", "safety:violence"),
        ("三兄弟为轮流养老娘的事在村口吵了一上午，谁都不接老人", "110", "safety:unreachable"),
        ("在商场买的白酒喝着不对劲，怀疑是假冒的，请市场监管查一下", "12345", "situation:P02-03"),
        # .140: the HR office's line; plaster from a damp ceiling; two boys after one ball
        ("辞职快两个月了，押的工资还没发，打人事电话都说等财务", "110", "safety:violence"),
        (
            "楼上厕所渗水，我家屋顶一块一块往下掉灰，找他家几回都不管",
            "110",
            "safety:falling_object",
        ),
        ("女儿说她儿子课间跟同学抢球推了一下，人家摔了一跤，要我们道歉", "110", "situation:P01-05"),
        # .141: parking bays painted; rubbish set alight; seedlings killed by slurry; a neighbour's
        # trees cut on a disputed slope; a fall's costs refused by the employer
        ("小区物业在消防通道边上划车位卖钱，业主没地方停", "110", "safety:damage"),
        ("村口有人点火烧垃圾，烟大得很，熏得人睁不开眼", "110", "safety:fire"),
        ("猪场的粪水流到地里，苗都整死了", "110", "safety:threat"),
        ("邻村的人过界砍了他家几棵杉树，两家为山界争了多年", "110", "safety:violence"),
        ("孩子在幼儿园摔伤了胳膊，已经看过医生，幼儿园拒绝承担医药费", "110", "safety:injury"),
        # .142: a theft denied; a drip's bruise; pupils pushing at break; a gas pipe feared for; a
        # count of the year so far; a phone maybe dropped; a car found towed
        ("她讲我偷了她家的鸡，我哪里偷过，想找人评评理", "110", "safety:theft"),
        ("打完针手背青紫色的一大块，诊所说是正常的", "110", "safety:injury"),
        ("儿子跟同学课间推搡，书包带扯断了，人没事", "110", "safety:violence"),
        ("修路的挖机在燃气管边上挖，居民担心挖断燃气管", "12345", "safety:gas"),
        ("村口那个路口今年已经撞死两个人了，要求装红绿灯", "12345", "safety:vehicle_hit"),
        ("逛庙会时手机不见了，不确定是掉了还是被人摸了", "110", "safety:theft"),
        ("车停路边回来车不见了，打听了才知道被拖走了", "110", "safety:theft"),
        # .143: a weasel after the hens; a water company's line engaged
        ("后院鸡窝那边，黄鼠狼半夜来偷鸡，已经叼走三只了", "110", "safety:theft"),
        ("村里停水三天了，打自来水公司电话也打不通，老人挑水挑不动", "110", "safety:unreachable"),
        # .144: waist drums at dawn; a fall's costs refused; a kiln that smokes all day; a husband
        # gone off
        ("天一亮楼下就有一伙人打腰鼓，咚咚咚的吵死人", "110", "safety:crowd"),
        ("在工地上摔伤了腰，现在回家养着，老板不肯赔偿", "110", "safety:injury"),
        ("村头那个砖窑成天冒烟，衣服都晒不了", "110", "safety:fire"),
        ("男人在外面跑了不管，我一个人带孩子", "110", "situation:P05-02"),
        # .145: a counter that only says wait; pupils pushing at break; a kettle that sparked; a
        # tradesman called in; a hornets' nest; lambs strayed; a fall's costs refused
        ("网费交了宽带还是断的，营业厅光说等着", "110", "safety:threat"),
        ("两个孩子课间推搡，书本撒了一地，没人受伤", "110", "safety:violence"),
        ("新买的烧水壶一插上电就冒火星，商家不给退", "110", "safety:fire"),
        ("叫人来家里修热水器，修完多要了两百", "110", "safety:threat"),
        ("屋檐下一个马蜂窝越来越大，不敢捅，想找人来摘", "110", "safety:violence"),
        ("放羊的时候一只羊羔跑丢了", "110", "safety:missing"),
        ("儿子在工地上摔伤了，老板拒不赔偿", "110", "safety:injury"),
        # .146: a flowerpot knocked over at play; stray dogs feared for the children; not a word of
        # warning; a fish pond waiting for the power
        ("娃娃耍的时候把她家花盆打了，她骂了我一下午", "110", "safety:violence"),
        ("小区里流浪狗越来越多，担心伤到小孩", "110", "safety:injury"),
        ("又停水了，招呼都不打一个", "110", "safety:violence"),
        ("停电一上午了，再不来电鱼塘的鱼要死光了", "110", "situation:P08-03"),
        # .147: a landlord who cut the utilities (his son named before); a neighbour's abuse calling
        # the caller a thief; a wallet dropped somewhere unknown
        ("房东讲他儿子要住，叫我们搬，今天把水电都给掐了", "110", "situation:P01-05"),
        ("隔壁老太婆骂我偷了她的鸡蛋，我根本没去过她家", "110", "safety:theft"),
        ("下山才发现钱包没了，不晓得掉在哪里，身份证也在里面", "110", "safety:theft"),
        # .148: a theft denied in Sichuan speech; an injury at work long past, relief asked for
        ("说我偷了她家的鸡，我哪点偷了嘛", "110", "safety:theft"),
        ("在外地打工受伤后没了收入，房租也交不起了", "110", "safety:injury"),
        # .149: a scam text's link to unfreeze a card, left unclicked; an eye gone blind
        ("短信讲社保卡冻结了，叫点链接解冻，我没点，这号码归哪个管", "12345", "safety:fraud"),
        ("家里老人开了白内障，现在眼睛看不见了，医院不认账", "110", "situation:P06-02"),
        # .150: a transformer's one spark before the power went; a smell that chokes
        ("变压器啪一声闪了下火花，整个村就停电了，没冒烟", "110", "safety:fire"),
        ("楼上养了十几只猫，楼道里的味呛得上不来气", "110", "safety:injury"),
        # .151: bricks counted out to fence a manhole; a tree that may fall some day; a rubbish bag
        ("井盖碎了一半，我拿几块砖头先挡上了，晚上看不清", "110", "safety:armed"),
        ("院里那棵老槐树歪得厉害，哪天倒下来要砸到人", "110", "safety:danger"),
        ("楼道里的垃圾袋子扎着口放了三天，鼓鼓的，臭得很", "110", "safety:stinking_sack"),
        # .152: a key locked in the car; crops trampled by geese; a dog not shut in; a branch on the wires
        ("车钥匙让我锁车里了，有开锁的电话没", "110", "safety:danger"),
        ("麦地叫邻居放的鹅群踩踏了一大片，要他赔他不认", "110", "safety:danger"),
        ("对门的狗天天叫，讲了几回他都不肯关起来", "110", "safety:detention"),
        ("门口那棵树枝子长到电线上了，一刮风就跟电线打架", "110", "safety:violence"),
        # .153: whenever the wind blows; stalls' tricycles half across a gate
        ("院墙外的树枝伸到我家窗上，一刮风就啪啪敲玻璃", "110", "safety:cry_for_help"),
        ("卖菜的三轮车天天把大门堵了一半，车都开不出去", "110", "safety:crowd"),
        # .154: rain off a neighbour's eaves into the yard; a car towed; "不用考虑"
        ("隔壁新盖的房子檐口伸过来，下雨水全淌进我家院子", "110", "situation:P07-04"),
        ("车被拖了，那里也没有禁止停车的牌子", "110", "safety:vehicle_hit"),
        ("小区停车费的事你们不用考虑了，我们自己跟物业谈", "12345", "situation:P08-01"),
        # .155: seedlings that died once planted; a wall built up on farmland
        ("买的果苗种下去死了一大半，卖苗的不认账", "110", "safety:self_harm"),
        ("村里有人在耕地上建厂房，围墙都打起来了", "12345", "safety:violence"),
        # .157: passing by a door in Jianghuai speech; a manhole cover pressed over
        ("对门的狗凶得很，我家伢子上学都不敢打他门口过", "110", "safety:violence"),
        ("路口有个井盖被车压翻了，晚上看不清", "110", "safety:vehicle_crash"),
        # .158: diners' grumbling about a mushroom hotpot
        ("镇上那家菌子火锅又贵又难吃，吃过的人都在吐槽", "110", "safety:mushroom_poisoning"),
        # .161: what a fire would do, told after it; a worry told like a threat
        ("楼下好多人把电瓶车推进楼道充电，着火了大家都跑不掉", "12345", "safety:fire"),
        ("楼道堆满了纸箱，真要出点啥事人都下不去", "12345", "safety:threat"),
        ("家里宽带断了三天，打客服说等着派单", "110", "safety:threat"),
        # .162: a weak gas flame; a cockroach that fell into the dish
        ("这几天燃气没劲，火苗苗只有一点点，水都烧不开", "110", "safety:fire"),
        ("米粉里吃出个虫子，老板说是从上面掉进去的", "110", "safety:danger"),
        # .163: plaster flaking off a damp ceiling
        ("房顶一直渗水，墙皮一块一块往下掉，物业不管", "110", "safety:falling_object"),
        # .164: an heir who kept the rent; lambs killed by stray dogs; a stick against them; children
        # who cannot reach the caller; a son who hardly rings
        (
            "老人走了以后，大哥把地包出去了，租金自己揣兜里了，想找司法所分清楚",
            "110",
            "safety:impostor_fraud",
        ),
        ("村后的野狗晚上窜进羊圈，咬死了两只羊羔，谁管管", "110", "safety:animal_attack"),
        ("小区里野狗一群一群的，晚上出门都得拿根棍子", "110", "safety:armed"),
        ("山上没信号，在外头打工的孩子联系不上我们老两口", "110", "safety:missing"),
        ("三个儿子都不管，小的在外地，电话都难得打一个", "110", "safety:violence"),
        # .165: a house that fell down some years back, asked about now for its plot
        ("老房子前些年塌了，宅基地空着，村里分给别人了", "110", "safety:danger"),
        # .166: an accusation scoffed at; an injured wild animal; a found calf; felled timber
        ("隔壁说我偷她家鸡蛋，我哪个稀罕偷她的嘛，你们来评个理", "110", "safety:theft"),
        ("一只受伤的狍子跑进院里趴着，问该找哪个部门", "110", "safety:injury"),
        ("路边捡了一头小牛，不知道谁家跑丢的，先拴我家了", "110", "safety:missing"),
        (
            "邻组在林子里间伐，砍下来的木头说要拉去卖，想让林业站划清界线",
            "110",
            "safety:threat_said",
        ),
        # .168: a stray dog hurt; another's tricycle scraped; a fall months ago, its costs now
        ("楼下有一条腿受伤的流浪狗，想请人来收走", "110", "safety:injury"),
        ("倒车把人家的三轮挡泥板蹭了，人都没事，他要三百", "110", "safety:traffic_person"),
        ("我老公两个月前在工地摔伤了，老板现在不管医药费了", "110", "safety:injury"),
        # .169: a cut at work, healed, its costs refused
        (
            "在甘蔗地砍甘蔗的时候着刀划了腿，缝了十几针，现在伤口都好了，老板讲是我自己不小心",
            "110",
            "safety:armed",
        ),
        # .170: a phone locked in a drawer by a husband
        ("他嫌我老玩手机，把我手机锁在抽屉里了，也没打我，就是气人", "110", "safety:confined"),
        # .171: a coach's passengers told to flag one down; a place for one's things; a toilet; a gate
        ("班车半路坏了，把我们放下来，叫我们自己拦车", "110", "safety:crowd"),
        ("房东说他儿子要结婚，限我三天搬走，我东西都还没找到地方放", "110", "safety:unreachable"),
        ("公园的公厕锁了好几天了，老人娃娃找不到厕所", "110", "safety:unreachable"),
        ("物业要交一百块办卡，不交就不放车进去", "110", "safety:detention"),
        # .172: a wife locked out; pupils who collided at basketball; Cantonese "when it rains"
        ("同老公吵架，佢把我反锁在门外，佢冇打我，想搵人来讲下佢", "110", "safety:detention"),
        ("两个学生打篮球撞到，眼镜烂了，家长要赔一千", "110", "safety:traffic_person"),
        ("隔离屋滴水檐伸过来，一落水全部滴落我门口", "110", "safety:danger"),
        # .173: a newborn's collarbone broken at birth; a kang "burnt through" in a deposit quarrel
        ("媳妇在镇卫生院生的娃，娃生出来锁骨骨折了，想找医院讨个说法", "110", "safety:injury"),
        ("退房的时候房东说我把炕烧塌了，押金不退", "110", "safety:danger"),
        # .174: a house settling, in a builder's quarrel over the balance
        ("装修做完了尾数不给，讲墙有裂缝，那系佢屋自己沉下去的", "110", "safety:danger"),
        # .175: the quake as the years since it; coal sent to an old man; a tree feared to fall; a
        # landlord asking whether he may open the door; gas poisoning feared, asking for the supply
        ("我们村的房子是地震以后统一盖的，墙皮掉得厉害，想问找哪个部门", "110", "situation:P04-06"),
        ("地震时留下的板房还有人住着，想问问啥时候能拆", "110", "situation:P04-06"),
        ("想问一下地震恢复重建的补贴啥时候发下来", "110", "situation:P04-06"),
        ("隔壁五保户家里没煤了，想请民政给送点炭过去", "110", "safety:self_harm"),
        ("院门口那棵大树朝房子歪过来了，刮风就晃，怕砸了屋顶，找谁来修剪", "110", "safety:damage"),
        (
            "租客三个月没交房租，人联系不上，屋里东西还在，想问能否自己开门清掉",
            "110",
            "safety:intruder",
        ),
        ("小区一直没通天然气，冬天家家烧煤炉，怕煤气中毒，请求尽快通气", "12345", "safety:gas"),
        # .176: coal asked for as relief; a stairwell of cigarette ends; a gas hob's flame unsteady; an
        # appliance that smoked, unplugged, asked to be refunded
        ("孤寡老人家里冬天没煤了，能不能请民政给点炭", "110", "safety:self_harm"),
        ("小区保洁不来打扫，楼道里全是烟头和瓜子皮", "110", "safety:fire"),
        ("新灶头点着了火苗也不稳，忽大忽小，厂家叫我自己出上门费", "12345", "safety:fire"),
        ("电暖器用了两天插座那里冒烟，我赶紧拔了插头，商店说只修不退", "110", "safety:fire"),
        # .177: a child waiting to be fetched; fees chased at the door; a raft letting its air out; a
        # village without signal
        ("孩子在幼儿园等着我接，钥匙锁屋里了，能帮叫个开锁的吗", "110", "safety:threat"),
        ("物业天天上门催收物业费，可他们啥服务都没有", "110", "situation:P01-06"),
        ("景区的橡皮艇漏气，救生衣也是破的，建议好好查查", "12345", "safety:gas"),
        ("我们村在山沟里没信号，老人出点事都联系不上，请求建个基站", "12345", "safety:threat"),
        # .178: a bedridden grandmother's ID card; the next heavy rain feared; a bruise seen to
        ("我奶奶卧床起不来，身份证到期了，能不能上门办", "12345", "safety:injury"),
        ("村后那座山砍光了，担心再下大雨会把路冲垮", "12345", "safety:danger"),
        ("在超市门口滑了一跤，腿上有块淤青已自行处理，想让超市赔条裤子", "110", "safety:injury"),
        # .179: a sheep struck on the road; pupils parted by a teacher; a sting gone down; a past fire's
        # relief asked about
        ("在国道上开车撞了人家一只羊，当场给了钱，现在又找来要加钱", "110", "safety:vehicle_hit"),
        (
            "两个学生在走廊发生推搡，已被老师拉开，没人受伤，家长觉得学校处理不公",
            "110",
            "safety:violence",
        ),
        ("孩子被马蜂蜇了，手肿了，现在消了肿了，想叫人来把窝摘了", "110", "safety:animal_attack"),
        ("房子上个月电线起火，厨房烧塌了，想问民政有没有救助", "110", "safety:danger"),
        # .180: a tea roaster's smoke; an electric blanket unplugged
        ("旁边烘茶叶的作坊天天冒黑气，烟雾和焦糊味很大，窗户都不敢开", "110", "safety:fire"),
        ("电热毯用了一晚就冒烟了，还好插头拔了，人没事，商家不给退", "110", "safety:fire"),
        # .181: an idiom of anger at a stall's noise; a manhole cover sunk on one side
        ("楼下大排档吵到半夜，我真是杀人的心都有了，城管管不管", "110", "safety:threat"),
        ("巷子口井盖塌了半边，晚上看不见，请来修一下", "12345", "safety:danger"),
        # .182: a pasture without signal; a hay field; anger "about to explode"; a phone in the river
        ("夏季牧场没信号，放牧出点事都打不出去，请建个基站", "12345", "safety:threat"),
        ("他家的羊钻过围栏把我家打草场啃光了，说了几回都不管", "110", "safety:violence"),
        ("广场舞放到十点还不停，我气得要爆炸了，城管管不管", "110", "safety:explosion"),
        ("漂流时手机掉河里了，捞不到的话能不能开个证明", "110", "safety:danger"),
        # .183: "吵得我想杀人"; a boundary redrawn after the quake; a cave house fallen in decades ago; a
        # chicken killed on the road
        ("楼上天天半夜唱K，吵得我想杀人，物业也不管", "110", "safety:threat"),
        ("我们两家宅基地是地震过后重新划的，他又把界桩挪了", "110", "situation:P04-06"),
        ("老院子的窑塌了几十年了，我想重修，堂哥说地是他的", "110", "safety:danger"),
        ("开车撞死了人家一只鸡，主人要两百，我觉得太多了", "110", "safety:vehicle_hit"),
        # .184: a child teased as a quake orphan; piling at night; trees counted over a boundary
        ("娃儿在学校遭同学喊地震孤儿，回来哭，我想找老师", "110", "situation:P04-06"),
        ("半夜还在打桩，吵得人想跳河，管不管", "110", "safety:self_harm"),
        ("隔壁组过界来砍了我们几棵树，吵了一架，想请林业站来划界", "110", "safety:violence"),
        # .185: a heart condition as a figure of annoyance; a bus stop's sign knocked down long ago
        ("楼上天天半夜剁排骨，我这心脏病都快叫他剁出来了", "110", "situation:P06-05"),
        ("车站的站牌被车撞倒一个月了，也没人来扶", "12345", "safety:injury"),
        # .186: a tea house "是抢钱呢"; gas poisoning heard of, as a reason for heating
        ("那家茶馆是抢钱呢，一壶茶收两百", "110", "safety:theft"),
        ("小区没通暖气，家家烧煤炉，每年都听说有人煤气中毒，请尽快接暖气", "12345", "safety:gas"),
        # .187: a younger sister sent to fetch a child, a delivery woman called 小姐姐 (.179's bare 叫小妹 and
        # 叫小姐 read both as vice)
        ("我叫小妹去学校接娃，她说等会儿就去，你们帮我问下学校几点放学", "110", "situation:P07-03"),
        ("外卖小姐姐送错了，我叫小姐姐回来换她不理", "110", "situation:P07-03"),
        # .188: a stench with the person between (臭得人上不来气); open burning that is small (火势不大)
        ("对面的牛杂店天天在后门洗肚子，臭得人上不来气，冬天巷子里全是冰", "110", "safety:injury"),
        ("河坝边有人烧塑料膜，火势不大，就是烟大得很，呛人", "110", "safety:fire"),
        # .189: pupils parted by a teacher (已被老师分开); walking not allowed (不让走路: detention's 不让走)
        (
            "报警人称两名初中生课间因抢座位发生推搡，已被老师分开，无人受伤，家长想要个说法",
            "110",
            "safety:violence",
        ),
        ("景区门票说含观光车，进去了又要另收车费，还不让走路进去", "12345", "safety:detention"),
        # .190: a found child's bag; a heart cut as by a knife
        ("在车站捡到一个孩子的书包，里面有作业本，想找到失主", "110", "safety:missing"),
        ("她天天指桑骂槐，我心里像刀子在割，想找人来调解一下", "110", "safety:weapon"),
        # .192: windows shut against a bar's noise; a vase a cleaner broke
        ("楼下酒吧天天唱到半夜，窗户关起来都听得到", "110", "safety:detention"),
        ("请的保洁擦玻璃，把我窗台上的花瓶给打了，还要加钱", "110", "safety:violence"),
        # .193: a wish said in anger without 真; a guard against gas asked for; an old man's phone; a tool works; a
        # warning over a manhole already fenced
        ("借钱不还，我气得想去把他屋门砸了，你们管不管", "110", "safety:damage"),
        ("建议燃气公司挨家挨户讲讲怎么防煤气中毒", "12345", "safety:gas"),
        ("我阿公的老人机不见了，可能是赶街时掉的", "110", "safety:missing"),
        ("某合金刀具厂的切削液直接倒进渗坑，井水都有怪味", "12345", "safety:weapon"),
        ("村口井盖子没了，俺拿砖头围上了，可别掉下去人", "110", "safety:danger"),
        # .196: the caller's own door shut on a neighbour's abuse
        (
            "隔壁婆婆又在门口指桑骂槐，我冇同她吵，门都关起来哒，想请村里来讲下公道",
            "110",
            "safety:detention",
        ),
        # .197: an engine left running; an owl's wing hurt; felling about to start in a boundary dispute
        ("车钥匙锁车里了，车还着着火呢，车里没人", "110", "safety:fire"),
        ("院子里飞进来一只猫头鹰，翅膀受伤了，问交给谁", "110", "safety:injury"),
        (
            "跟邻村为杉木林的山界有争议，对方准备动手砍伐，想请林业站来勘界",
            "110",
            "safety:violence",
        ),
        # .198: an accusation in Xiang speech
        ("她港我偷她屋里的菜，当着一条街的人骂我，我要她赔礼道歉", "110", "safety:theft"),
        # .199: a hit-and-run alleged to squeeze more money, and asked about after a note was left
        ("刮蹭已经私了，晚上对方又要一千，不给就说她肇事逃逸", "110", "safety:vehicle_hit"),
        (
            "倒车蹭了别人的车，车主不在，我留了电话条，这样算不算肇事逃逸",
            "110",
            "safety:vehicle_hit",
        ),
        # .200: a thing knocked over and broken, its cost disputed; a fall feared when the wind blows
        (
            "装修师傅搬梯子把我家放在门口的电动车碰倒摔坏了，师傅说不该他赔",
            "110",
            "safety:traffic_person",
        ),
        (
            "小区里那块广告牌架子锈透了，担心刮大风时掉下来砸到人，找谁来拆",
            "110",
            "safety:falling_object",
        ),
        (
            "门前那棵老杨树往我家房顶歪，一刮大风树枝子就往下掉，怕砸到人",
            "110",
            "safety:falling_object",
        ),
        (
            "路边的电线杆子歪了，怕刮大风倒下来砸到过路的人，请供电所来看看",
            "110",
            "safety:danger",
        ),
        # .201: a degree complement told with 要 (as .183's 得我想杀人)
        ("隔壁装修电钻从早响到晚，吵得我要杀人，你们管不管", "110", "safety:threat"),
        ("楼上天天半夜跳绳，物业也不管，真是烦得人要杀人了", "110", "safety:threat"),
        # .202: someone nearly hurt, and not; 工伤到 (伤到 inside it); a treatment ended, damages refused
        (
            "县城那个井盖没了，晚上黑黢黢的，差点有个骑车的掉进去，赶紧找人补上",
            "110",
            "safety:danger",
        ),
        ("前年在砖厂叫机器压断了手指头，厂里不管，工伤到现在也不给认", "110", "safety:injury"),
        ("我老公在工地摔伤了腿，现已治疗结束，老板拒绝赔偿误工费", "110", "safety:injury"),
        # .203: a kitchen's ceiling (房顶 inside 厨房顶); a key locked in, told with 反锁; a whip cracked
        (
            "楼上漏水，厨房顶上的墙皮泡起来了，一块一块往下掉，接都接不赢",
            "110",
            "safety:falling_object",
        ),
        ("钥匙反锁在屋里了，屋里没人，想找个开锁师傅", "110", "safety:detention"),
        ("广场上一早就有人甩鞭子，啪啪的跟放炮似的，吵得人睡不着", "110", "safety:cry_for_help"),
        # .204: cars pulled over that block nothing; a pit fallen into before; the caller's own near fall
        ("两台车已经挪到路边了，不堵路，就是对方要价太高，想请交警定责", "110", "safety:crowd"),
        ("村外挖沙挖出几个大坑，村里的羊都掉进去过，请国土所来管管", "110", "safety:danger"),
        ("路口井盖丢了，昨晚我差点骑车栽进去，你们找人盖上", "110", "situation:P05-04"),
        # .205: anger as an explosion with 我 between; a cheat named in a rhetorical question
        ("米粉店多收我五块钱，问都不问就加价，气到我爆炸", "110", "safety:explosion"),
        ("在驾校交了钱一年都没排上练车，退钱又不给，这不就是骗子吗", "110", "safety:fraud"),
        # .206: a harm the nurse said it did not need (不需要 negates)
        (
            "孩子在学校摔了一跤，膝盖擦破点皮，校医说不需要缝针，就想问问保险怎么报",
            "110",
            "safety:injury",
        ),
        # .207: a debtor's "no matter what"; a smell of smoke; a lease not yet run out
        ("饭店欠我菜钱四万多，老板说打死他也没有，我该找谁", "110", "safety:threat"),
        ("楼下烧烤店天天熏，整栋楼都是烟味，衣服都晒不了", "110", "safety:fire"),
        (
            "房东要卖房，叫我们三天内搬走，小孩还在上学，合同没到期，这事归谁管",
            "110",
            "safety:unreachable",
        ),
        # .208: a household accused of theft in a quarrel
        ("隔壁那个婆娘讲我屋偷她的鸡，在门口骂了半天，我就是气不过", "110", "safety:theft"),
        # .209: a threat taken back as talk; a refusal to pay for a past fall; no one hurt, said so
        (
            "老板欠了三个月工钱，欠得俺都想杀人了——俺就是说说，想问问上哪告他",
            "110",
            "safety:threat",
        ),
        ("报警人称其在工地摔伤住院，包工头拒绝支付后续医疗费用", "110", "safety:injury"),
        # .210: someone sent for to spray the trees
        ("路边的槐树叫虫子吃光了，吊死鬼满地爬，恁找人来打打药吧", "110", "safety:threat"),
        # .211: blisters of worry; anger with 都 between; a light into the flat; a blow denied with 从来都不
        ("我急得嘴上都起火泡了，工头就一句话：开发商没给钱", "110", "safety:fire"),
        ("气得我都想杀人了，这个快递三回送错地方", "110", "safety:threat"),
        ("商场的招牌灯一直亮到后半夜，直直照进我家卧室", "12345", "situation:P07-04"),
        ("吵了一下午，他从来都不打人，就是这个脾气气死人", "110", "safety:violence"),
        # .212: a workshop's smoke through the building; a leak feared of a rusted pipe
        ("楼下那家做腐竹的，熏得整栋楼都是烟，衣服都晾不得", "110", "safety:fire"),
        ("燃气管道从我家窗户外边过，锈得很厉害，担心漏气，请催一下燃气公司", "12345", "safety:gas"),
        # .213: a phone in the lake; a fried-fish stall; a ball through a window; a figure of help; plaster
        # falling from a soaked ceiling
        ("手机掉湖里去了！刚在船上拍照，扑通一下就下去了", "110", "safety:danger"),
        ("楼底下那家炸鱼的，油烟全冲俺家窗户，屋里都是油味", "110", "situation:P08-03"),
        ("报警人称其与邻居因孩子踢球砸了窗户发生口角，现双方已各自回家", "110", "safety:damage"),
        (
            "俺家网断了三天了，孩子上不成网课，营业厅说排着队修，救命吧这是",
            "110",
            "safety:cry_for_help",
        ),
        (
            "楼上卫生间漏水漏到我屋顶上来了，石灰一块一块往下掉，他讲不关他的事",
            "110",
            "safety:falling_object",
        ),
        # .214: seedlings killed by a weedkiller; crops trampled by ducks; a sign feared to fall
        ("除草剂喷后无效，反而把一片蔗苗打死了，店主不认账", "110", "safety:threat"),
        ("种的玉米被邻居散养的鸭子踩踏啄食，协商赔偿未果", "110", "situation:P03-05"),
        ("广告牌越做越大，刮大风时摇摇晃晃，怕掉下来砸着人", "12345", "situation:P04-03"),
        # .215: a car park's price called robbery as a question
        ("医院门口那停车场收费太黑了，停一个钟头收十块，这不抢钱么", "110", "safety:theft"),
        # .216: "I could kill him", said as a figure
        ("楼上天天半夜蹦跶，跟拆房子似的，我杀了他的心都有，你们管管吧", "110", "safety:threat"),
        # .217: a price called robbery at knifepoint; a yangge troupe rehearsing at dawn
        ("那个饭馆宰人宰得忒狠了，一盘花生米三十八，这不是拿刀子抢钱吗", "110", "safety:theft"),
        ("公园旁边每天早上五点多就有一帮人练鼓子秧歌，大鼓咚咚地敲", "110", "safety:crowd"),
        # .218: a snake got into the house
        ("有条蛇钻进我家蚕房里了，好粗一条，盘在蚕架上", "110", "situation:P07-04"),
        # .219: a blow taken back at once
        (
            "俺家孩子在学校让人打了……也不算打，俩孩子闹着玩碰一下，老师当场就处理了",
            "110",
            "safety:violence",
        ),
        # .220: the blocking denied; a scrape seen to by the school doctor
        (
            "湖边农家乐结账要一千八，钱我先付了，老板也没拦着不让走，就是想投诉他",
            "110",
            "safety:detention",
        ),
        ("报警人称其子与同学课间打闹推搡，脸上擦破点皮，已由校医处理", "110", "safety:violence"),
        # .221: the spoken passive names a blow only with it ("让人打疫苗" is a jab)
        ("社区天天打电话让人打疫苗，不打就不让进超市，这合理吗", "12345", "safety:violence"),
        # .222: a price worse than robbery; a phone rung unanswered
        ("停车费收得比抢钱还黑，一个钟头十块，没人管吗", "110", "safety:theft"),
        ("楼上空着没人住，水顺着灯往下滴，房东电话打了他也不接，该找谁", "110", "safety:violence"),
        # .223: the caller's own restraint, words not deeds, a fire only imagined, smoke stopped
        ("他欠我三千块躲着不见，我总不能打他吧，你们给出个主意", "110", "safety:violence"),
        ("邻居说要把我家狗弄走，未实际动手，就是吵了几句", "110", "safety:violence"),
        ("楼道里堆满纸箱，真赶上着火了人都跑不出去，物业不管", "110", "safety:fire"),
        ("报警人称配电箱昨晚烧了，现在已经不冒烟了，整栋楼还停着电", "110", "safety:fire"),
        # .224: a price said to be robbery; a fight the station has already been out to see
        ("这水费贵得抢钱，一个月三百多，家里就两个人", "110", "safety:theft"),
        ("俩孩子在学校打架的事派出所已经来看过了，就是医药费谈不拢", "110", "safety:violence"),
        # .225: .181's figure with the wish before it; a wild bird hurt
        ("修车的钱他一分不给，我气得要杀人的心都有，就想问问找谁调解", "110", "safety:threat"),
        ("院子里掉下来一只受伤大鸟，翅膀耷拉着，像是白鹤，该找哪个部门", "110", "safety:injury"),
        # .226: a theft accusation in Hakka; a shove the teacher has scolded
        ("隔壁阿婆讲𠊎偷佢屋下的柚子，骂了𠊎一下昼，要佢赔礼道歉", "110", "safety:theft"),
        (
            "两个学生课间为抢篮球推搡起来，眼镜摔碎了，老师已批评，现在对方家长不肯赔",
            "110",
            "safety:violence",
        ),
        # .227: not out to fight or kill; no fare home
        ("尾款他拖了一年，我也不是要打要杀，就想有个说法", "110", "safety:threat"),
        ("报警人称在县城打工钱花光了，没有回家路费，请求帮助", "110", "safety:missing"),
        # .228: a harm already treated, its costs disputed
        ("报警人称其父在工地摔下，腿骨折已住院治疗，老板不肯出医药费", "110", "safety:injury"),
        # .229: a scuffle dealt with; breath caught in anger
        (
            "俩孩子为一支笔打起来了，脸上挠破点皮，老师都处理完了，那家家长还天天打电话",
            "110",
            "safety:violence",
        ),
        ("跟对门吵了一架，气得我差点一口气没上来，俩人谁也没动手", "110", "safety:danger"),
        # .230: the owner rung to move a car
        ("谁家的车堵我门口了，打他挪车电话也不接，我要出车拉货", "110", "safety:violence"),
        # .231: a wish said without the anger named; a fire certificate; chestnuts knocked down
        ("天天半夜还在唱，我真想拿砖头把他那喇叭砸了", "110", "safety:damage"),
        ("上个月家里着过火，人没事，保险公司要火灾证明，去哪开", "110", "safety:fire"),
        (
            "为那片山吵了好几年，他今年又把我家那几棵的栗子先打了，也没动过手",
            "110",
            "safety:violence",
        ),
        # .232: a theft accusation in Gan speech
        ("对面婆婆天天骂街，话我屋伢偷了渠屋的橘子，我跟渠吵了几句", "110", "safety:theft"),
        # .234: singing till three and drums with the yangge are noise, not a crowd; bamboo cut over a
        # boundary; a bank dug away; a bump the school has mediated; a sign the traffic police have seen
        ("隔壁歌厅一帮人鬼哭狼嚎的，天天唱到后半夜两三点", "110", "safety:crowd"),
        # .235: a theft accusation in Minnan, anger said in Minnan, worry like a fire, a shop out of reach
        ("厝边阿婶讲阮偷了伊的葱，天天站在门口骂", "110", "safety:theft"),
        # .236: a push that hurt no one; a stray ewe; a plant working on at night; a battery "说不会爆炸"
        ("报警人称其子与同学在操场上因琐事互相推搡，均未受伤。", "110", "safety:violence"),
        # .237: a newborn moved to another hospital; reeds cut over a boundary; trees pushed over by a digger
        (
            "老婆在县医院生孩子，等了一夜又去剖，孩子生下来憋坏了，现在转到州医院住保温箱，医院说不是他们的责任",
            "110",
            "safety:child_predator",
        ),
        ("他越界割走我家一片芦苇，我想请村里来量地界", "110", "safety:theft"),
        # .238: a pile driver shaking the house; rat poison asked for; a home village house long fallen
        ("后面工地盖楼，打桩机一打我家墙都在晃，吵得睡不着", "110", "safety:violence"),
        ("村里老鼠太多，想问问哪里能领老鼠药", "110", "safety:self_harm"),
        # .239: a stove banked for the night; flowerpots broken; sheep in the oats; a bank dug nearly away
        ("出门倒灰风把门带上了，钥匙在屋里，炉子封着火，想找开锁的", "110", "safety:fire"),
        # .240: water and power cut by a landlord; a theft accusation in Xinjiang speech
        (
            "房东说他儿子要结婚，让我三天搬走，今天回来家里的水电都被他掐了",
            "110",
            "situation:P01-05",
        ),
        ("她说我家娃子偷她家杏子，骂得凶得很，没动手", "110", "safety:theft"),
        # .241: a wish disowned; a felling that needs approval; an idle husband; "整死我也没有" of a debt
        ("兄弟借了我两万不还，我恨不得把他家门砸了，可我不是那号人", "110", "safety:damage"),
        ("我家门口那棵老杨树根把墙拱裂了，想砍了又说要审批，找谁批", "110", "safety:threat_said"),
        ("我都快让他气死了，天天躺着刷手机，你们能不能把他抓走得了", "110", "safety:taken_away"),
        ("借给发小三万块，一提钱他就说整死我也没有", "110", "safety:threat"),
        # .242: pay withheld; hens said to be stolen; children afraid of stray dogs; an engine smoking; a wolf in
        # the fold; a sheep hit on the road; a river bank dug away
        (
            "在果园干到月中不干了，老板说没干满一个月不结账，半个月的钱就这么没了",
            "110",
            "safety:theft",
        ),
        ("隔壁那个老汉说我家的鸡是偷他家的，当着全村人的面说", "110", "safety:theft"),
        ("小区里一群野狗翻垃圾桶，娃娃们都不敢出去玩", "110", "safety:detention"),
        ("镇上买的摩托车骑了三天发动机就冒黑烟，店里不给换", "110", "safety:fire"),
        ("昨天夜里狼进了我家羊圈，咬死五只羊，能不能给点补偿", "110", "safety:intruder"),
        ("开车在草原路上撞死一只羊，没人受伤，羊主人要八百", "110", "safety:vehicle_hit"),
        ("采砂场在河道里挖沙，河岸都塌了，水渠都断流了", "12345", "safety:danger"),
        ("请的家政来擦玻璃，把我家窗台上的花盆全打了，公司不管", "110", "safety:violence"),
        ("邻居家的羊跑进我家莜麦地，啃了一大片", "110", "situation:P07-04"),
        ("河滩上天天晚上挖沙，河堤都快挖塌了", "12345", "safety:danger"),
        (
            "我带着俩娃娃从外地回来，钱也花完了，老家的房子早塌了，在亲戚家挤了一个月",
            "110",
            "safety:danger",
        ),
        (
            "河道里有人开挖掘机挖沙子，坑坑洼洼的，树也推倒了不少，这有手续吗",
            "12345",
            "safety:violence",
        ),
        ("报警人称在村口发现一只走失的山羊，不知道是谁家的。", "110", "safety:missing"),
        ("砖厂白天停了，晚上偷着生产，烟呛得人睡不着", "12345", "safety:theft"),
        ("电动车电池鼓包了，店里说不会爆炸，就是不给换", "110", "safety:explosion"),
        ("气到阮想杀人！工钱拖了半年，阮只是讲讲", "110", "safety:threat"),
        ("阮这边停电两日了，急得像火烧厝，电话也打不通", "110", "safety:fire"),
        (
            "报警人称某儿童舞蹈班突然停业，其为孩子办理的课时卡还剩三十节，商家联系不上。",
            "110",
            "safety:missing",
        ),
        ("小广场上一伙人天天晚上打鼓扭秧歌，闹到十点多", "110", "safety:crowd"),
        (
            "他上山砍竹子越了界，砍了我这边二十来根毛竹，我想请林业站来划界",
            "110",
            "safety:violence",
        ),
        ("沙场的车天天夜里来拉沙，河岸都挖塌了一大片", "12345", "safety:danger"),
        (
            "俩孩子踢球撞了一下，都没事，学校调解过了，对方家长还不依不饶要道歉",
            "110",
            "safety:vehicle_hit",
        ),
        (
            "三轮车把我店门口的招牌撞掉下来了，交警已经来拍过照定了责任，我想问赔偿找谁",
            "110",
            "safety:falling_object",
        ),
        # .243: a flock or a herd driven into the caller's field or yard
        ("他把羊群赶进我家苜蓿地里吃了一大片，还不承认", "110", "situation:P07-04"),
        ("隔壁老汉把牛赶进我家院子里，拉了一地粪，说他也不听", "110", "situation:P07-04"),
        # .244: the bazaar's 扎, a knife shop's trade
        ("巴扎上卖小刀的那个摊子秤不准，少给了我二两羊肉", "110", "safety:armed"),
        ("我开刀具店的，批发商拖欠货款三万元一直不给", "110", "safety:weapon"),
        # .245: a purse thought gone, then thought left behind; a fire lit for a barbecue
        ("我的钱包不见了，应该是落在饭馆里了，能不能帮我查查监控", "110", "safety:theft"),
        ("周末湖边全是生火烧烤的，垃圾扔得到处都是", "12345", "safety:fire"),
        # .246: a shove the form teacher dealt with, a borrower's oath, a shout taken back
        (
            "俩孩子在教室里互相推搡，已由班主任处理，都没受伤，对方家长还要我们赔眼镜",
            "110",
            "safety:violence",
        ),
        ("他借钱时发誓说不还就天打五雷轰，现在一分不还", "110", "safety:coerced_payment"),
        # .247: a likeness asked with 两样; the caller waiting at the door
        ("村里把我家的地包给别人种了，这跟抢了我的地有啥两样", "110", "safety:theft"),
        ("在车站捡着个包，里头有手机和钱，我就在门口等着呢，你们来拿吧", "110", "safety:threat"),
        # .248: a likeness asked with 区别; a sheep hit and already paid for
        ("修个水管要八百，这跟敲诈有啥区别", "110", "safety:threat"),
        (
            "放羊时一只羊被车撞死了，司机已经赔钱走了，我想问问赔得够不够",
            "110",
            "safety:vehicle_hit",
        ),
        # .250: the knife smith's trade
        ("我是打刀子的，去年给一个老板供了一百把小刀，到现在钱没给", "110", "safety:weapon"),
        ("我家是打刀的，想问问刀具经营的许可证怎么办", "110", "safety:weapon"),
        # .251: a near fight taken back
        ("我跟房东都快打起来了！不是真打啊，就是气不过，暖气半个月不热", "110", "safety:violence"),
        # .252: a butcher's blood-water
        ("菜市场门口杀鸡的把地上弄得全是血水，臭得很", "110", "safety:injury"),
        # .255: a stretch of ice, not the drug; a parking space taken
        ("下水管冻裂了，门口结了一溜冰，老人出门都得扶着墙", "110", "situation:P07-02"),
        ("我天天停的车位让人抢了，跟他说了两句他也不挪", "110", "safety:theft"),
        # .256: nobody hurt, said of everyone; animals in a pen or a pasture
        (
            "我儿子和同学为抢秋千推了几把，两个孩子都没受伤，那家妈妈堵着我骂",
            "110",
            "situation:P01-05",
        ),
        ("晚上有黄鼠狼进我家鸡圈，咬死了三只鸡", "110", "situation:P07-04"),
        ("几峰野骆驼闯入我家草场，把储备的草料啃了一大半", "110", "situation:P07-04"),
        # .257: a wish; a tradesman sent for; a fee called robbery; a Hainanese coop
        ("活干完三个月了工钱还压着，真想一脚踢死那个老板", "110", "safety:violence"),
        ("叫人来给我家换的防盗门，装上就关不严，再打电话人不来了", "110", "safety:threat"),
        ("物业费一年涨两回，这不是土匪抢钱吗", "110", "safety:theft"),
        ("邻居家的狗钻进我家鸡寮，咬死了五只鸡", "110", "situation:P07-04"),
        # .258: a car towed; luggage driven off; a crane at night; a fight that nearly started
        ("车停在路边，回来车就被拖了，又没有禁停牌", "110", "safety:vehicle_hit"),
        ("打车到站，司机把我行李箱拉走了，电话也不接", "110", "safety:taken_away"),
        ("工地的塔吊晚上吊钢筋从我们楼顶转过去，吓人", "110", "safety:self_harm"),
        ("买菜称少了二两，差点跟他打起来，旁边人劝开了", "110", "safety:violence"),
        # .259: taken back, told not to be taken seriously
        ("老板欠了半年工资，真想拿刀劈了他——我就说说，别当真", "110", "situation:P01-03"),
        ("借钱不还还躲着我，恨不得上他家把门踹了——放心我不能真去", "110", "safety:violence"),
        (
            "楼下那帮人喝多了扯着嗓子喊打死他——不是打架，是在划拳，天天吵到半夜",
            "110",
            "safety:threat",
        ),
        # .260: a Cantonese wish said in anger; a wallet perhaps dropped in a tricycle
        (
            "老板三个月冇发钱，我真系气到想斩人，不过我冇咁蠢，只想攞返啲钱",
            "110",
            "safety:violence",
        ),
        ("在古镇逛完街发现钱包不见了，可能是掉在三轮车上，没感觉有人碰过", "110", "safety:theft"),
        # .261: a cry of exasperation; trees to be cut and sold; refuse strewn by dogs
        (
            "救命哦，我租的屋水管爆掉了，水哗哗地往楼下流，房东电话弗接",
            "110",
            "safety:cry_for_help",
        ),
        ("我家山林的界桩遭挪了，他喊了人来说要砍去卖", "110", "safety:threat_said"),
        ("村里垃圾房破了，野狗翻得垃圾散落一地", "110", "situation:P05-04"),
        # .262: someone else's tricycle hit; a smoker told to stop; a tree felled once approved
        ("刚刚倒车不小心撞到人家的三轮车，车灯撞烂了，两个人都没事", "110", "safety:vehicle_hit"),
        ("出租车司机一路抽烟，我让他别抽他还骂我，车牌号我拍下来了", "12345", "safety:violence"),
        ("门口那棵樟树枝丫伸到电线上了，村里讲要林业站批了才能砍", "110", "safety:threat_said"),
        # .263: someone asked to come and settle the blame
        (
            "撞车了，人没事，两个站在路边吵，要叫人来认定一下责任，不用叫救护车",
            "110",
            "safety:threat",
        ),
        # .265: a buyer who feels cheated
        (
            "在景区买的手工农民画回家发现是印刷品，感觉被骗，要求退货，店家不同意",
            "110",
            "safety:fraud",
        ),
        # .268: a work injury's hospital bill in dispute; a child scalded at a restaurant, now fine
        (
            "我男人在饭店后厨干活被开水烫伤了，住院花了一万多，老板就给了三千",
            "110",
            "safety:injury",
        ),
        ("饭馆上菜把热汤洒到孩子手上烫伤了，这会儿没啥事，想让饭馆出药钱", "110", "safety:injury"),
        # .269: a stranded old man who remembers his own address and his son's number
        (
            "车站有个外地老人回不了家，他记得自己家住址和儿子电话，就是钱花完了，请帮忙联系救助站",
            "110",
            "safety:threat_home",
        ),
        # .278: a tenant's things still locked in, told with 还
        (
            "租客欠了三个月房租，人一直不露面，东西还锁在屋里，我能不能开门",
            "110",
            "safety:detention",
        ),
        # .288: a son accused of stealing loquats; frozen shrimp thawed
        (
            "隔壁老太太在楼下骂了一上午，讲我儿子偷她家的枇杷，我儿子根本没去过",
            "110",
            "safety:theft",
        ),
        ("菜场买的冻虾仁解冻后一股臭味，老板不给退", "110", "safety:fraud"),
        # .287: a brick set by a hole; a bus that turned off; costs paid up to a point
        ("马路中间有个井盖塌了，我拿砖头挡着，麻烦派人来修", "110", "safety:armed"),
        ("那趟公交今天没到站就拐走了，害得我们多走了二里地", "110", "safety:missing"),
        ("钢管掉下来砸到我的手，骨折了，工头垫了医药费就不管了", "110", "safety:danger"),
        # .286: a wild boar in a maize field
        ("昨天夜里野猪进了我家玉米地，拱了一大片，这损失谁赔", "110", "safety:intruder"),
        # .285: a smell the caller wants the environment office to test; a chat group's members counted
        ("化工园区那边一股臭鸡蛋味，没人不舒服，就想让环保的来测一测", "110", "safety:gas"),
        (
            "小区门口那家早教中心突然关门了，老板电话打不通，家长群里好几十个人都在问怎么退费",
            "12345",
            "safety:crowd",
        ),
        # .284: a vibrating device put up in spite (nothing destroyed); a nurse's stitches done badly
        ("他家装的震楼器天天开，就是故意报复我们上次投诉他", "110", "safety:spite_damage"),
        ("孩子在卫生院打针，护士缝针缝得歪歪扭扭，留了疤，想找医院讨说法", "110", "safety:injury"),
        # .283: a child's water bottle found; an injured worker called temporary
        ("在车站捡到个小孩的作业本，上面有名字，送哪去？", "110", "safety:missing"),
        ("我在厂里搬货砸骨折了，已经在医院治疗，公司不认，说我是临时工", "110", "safety:injury"),
        # .282: a theft feared, asked who answers for it; a loan's principal gone (本金 is not gold)
        ("车棚拆了以后电动车只能停在路边，晚上被偷了谁负责？", "110", "safety:theft"),
        (
            "借给老乡的十万块，说好年底连本带利还，现在利息本金都没了，电话也不接",
            "110",
            "safety:theft",
        ),
        # .281: a bag dropped on the road, not taken; a key locked in a guesthouse room
        (
            "下山以后发现腰包不见了，应该是路上掉了，里面有钱包和身份证，想补办证件",
            "110",
            "safety:theft",
        ),
        (
            "出门的时候把钥匙锁在房间里了，房东回老家了，屋里没人，想找个开锁的",
            "110",
            "safety:detention",
        ),
        # .277: an elder nobody will take in; a window counted with 扇; a generator all day long
        (
            "两个儿子为轮流照顾老人的事吵翻了，谁都不接，老人这几天靠邻居送饭",
            "110",
            "safety:unreachable",
        ),
        ("邻居说给儿子结婚用，加盖了一层，正好挡住我家朝南的那扇窗", "110", "situation:P01-05"),
        ("楼下饭店门口开柴油发电机，从早轰到晚，又吵又冒黑烟", "12345", "safety:fire"),
        # .276: a tree blown down by the estate's gate (把我们 is not 把我)
        (
            "昨晚台风把我们小区门口一棵大树刮倒了，压在围墙上，一直没人来清理",
            "12345",
            "safety:traffic_person",
        ),
        # .275: a gas stove's flame burning low; a collapsed platform's case asked after
        (
            "这几天燃气灶火苗可小了，烧壶水要半个钟头，也没闻到味道，燃气公司说是压力问题",
            "110",
            "safety:fire",
        ),
        (
            "投的那个理财平台爆雷了，听说案子在经侦，想问现在有什么进展，钱能不能退",
            "12345",
            "safety:crowd",
        ),
        # .273: a phone lost, "not stolen" in southwestern speech (遭 for 被)
        ("吃火锅的时候钱包不晓得掉哪儿了，不是遭偷的哈，是我自己没揣好", "110", "safety:theft"),
        # .271: a tooth bleeding after its extraction; a gas smell already put right
        ("在镇上诊所拔完牙一直出血，牙龈都肿了，诊所不认账", "110", "safety:injury"),
        (
            "厨房有股煤气味，燃气公司来换了减压阀，换完就没味了，想问这个钱该不该我出",
            "12345",
            "safety:gas",
        ),
        # .270: a scrapyard's nightly wire burning is a standing nuisance on 12345
        (
            "小区旁边的废品站天天晚上烧电线皮，黑烟很浓，整个小区都是烧焦的味道",
            "12345",
            "safety:fire",
        ),
        # .268: an unlicensed kitchen is the food regulator's
        (
            "小区一楼有家黑作坊做卤菜卖给外卖，卫生太差了，希望市场监管来查",
            "12345",
            "situation:P08-03",
        ),
        # .267: rubbish burnt by the caller's door is smoke, not a threat to burn the home
        ("隔壁那户天天傍晚烧我家门口那堆垃圾，烟熏得窗都不敢开", "110", "safety:threat"),
        # .266: a fire lane called a lifeline (救命消防通道: 救命 six characters from its end)
        ("小区的救命消防通道被私家车堵死了，物业不管", "12345", "safety:cry_for_help"),
    ],
)
def test_the_steps_ordinary_words_name_no_danger(text: str, source: str, rule: str) -> None:
    assert rule not in fired(run(text, source=source))


def test_a_boundary_stone_moved_and_an_old_house_shared_out_are_named() -> None:
    # zj-2026.12.275: 界石 and 分老宅 name the land and the inheritance disputes; before it the
    # calls fell to the no-evidence fallback.
    land = run("他家犁地往俺这边多犁了一垄，地头的界石也不见了")
    house = run("俺爹走了，俺姐回来非要分老宅，说她也有份")
    assert (land.situation_code, house.situation_code) == ("NP14-03", "NP07-05"), (
        fired(land),
        fired(house),
    )


def test_a_stove_flame_that_sets_the_hood_alight_keeps_the_call() -> None:
    # zj-2026.12.275 reads 灶火苗 as a stove working; a flame that catches the hood is a fire.
    c = run("燃气灶火苗一下窜起来，把抽油烟机烧着了，屋里全是烟")
    assert c.is_police_matter and not c.rule_id.startswith("default:"), (c.rule_id, fired(c))


def test_a_fee_asked_for_an_old_house_by_a_false_official_keeps_the_call() -> None:
    # zj-2026.12.275 names 分老宅, not 老宅: a house in a swindle is not an inheritance.
    c = run(
        "一个男的自称县里文旅局的，讲我家老宅要评保护建筑，要先交两千块评审费，我交了才觉得不对"
    )
    assert c.is_police_matter, (c.rule_id, fired(c))


def test_windows_smashed_and_a_son_who_slaps_keep_the_call() -> None:
    # zj-2026.12.277 lists 扇窗 and 扇门 (a window counted); a window smashed or a slap is still police.
    smashed = run("他拿砖头把我家两扇窗户都砸了，玻璃碎了一地，人还在门口骂")
    slapped = run("我儿子喝多了扇了我两巴掌，还把那扇门踹坏了")
    assert smashed.is_police_matter and slapped.is_police_matter, (fired(smashed), fired(slapped))
    assert "situation:P01-05" in fired(slapped), fired(slapped)


def test_a_follow_up_call_about_a_child_still_missing_keeps_the_call() -> None:
    # zj-2026.12.279 took the bare 有什么进展 out of the settled cues (.275 put it in): a settled cue reads the
    # whole call, and a caller asking how the search goes is not telling of a past, settled matter.
    c = run("我家孩子下午走丢了，到现在还没找到，你们那边有什么进展吗")
    assert c.is_police_matter and "safety:missing" in fired(c), (c.rule_id, fired(c))


def test_a_tree_blown_onto_a_rider_keeps_the_call() -> None:
    # zj-2026.12.276 reads 风刮倒 and 树刮倒 as the wind's; a rider pinned under the tree is still one.
    c = run("大风把路边一棵树刮倒了，砸在一辆电动车上，骑车的人压在下面出不来")
    assert c.is_police_matter and not c.rule_id.startswith("default:"), (c.rule_id, fired(c))


def test_a_camera_on_a_landing_and_fakes_bought_are_not_crimes() -> None:
    # zj-2026.12.282: a hidden camera is a crime where people undress, not a neighbour's camera on the landing; fakes
    # being made are a tip, fakes bought the market regulator's.
    landing = run("邻居在楼道装了个摄像头对着我家门口，我觉得不舒服")
    bought = run("在农资店买的化肥是假化肥，撒下去苗都黄了，店主不肯赔")
    assert not landing.is_police_matter and not bought.is_police_matter, (
        fired(landing),
        fired(bought),
    )


def test_a_man_over_the_wall_is_still_an_intruder() -> None:
    # zj-2026.12.286 masks an animal that got into a field (野猪进了我家); a person over the wall is still one.
    c = run("昨天夜里有人翻墙进了我家院子，在窗户外面往里看")
    assert c.is_police_matter and "safety:intruder" in fired(c), (c.rule_id, fired(c))


def test_a_crowd_counted_outside_a_chat_group_is_still_a_crowd() -> None:
    # zj-2026.12.285: a head-count right after 群里 is a chat group's members; the same count at a gate is a gathering.
    c = run("老板跑路了，几十个人约好了，现在都堵在公司门口不走")
    assert c.is_police_matter and "safety:crowd" in fired(c), (c.rule_id, fired(c))


def test_a_child_found_after_a_search_stays_settled() -> None:
    # zj-2026.12.280: settled_breaks lift a settled cue where a person is still not found *now* (现在还没找到,
    # 至今下落不明); a search told in the past and then the child found (已经找到了) stays settled.
    c = run("我家孩子下午走丢了，找了一下午还没找到，刚才邻居送回来了，已经找到了，谢谢你们")
    assert "safety:missing" not in fired(c), (c.rule_id, fired(c))


def test_a_pay_day_missed_in_cantonese_is_named_unpaid_wages() -> None:
    # zj-2026.12.260: 冇出粮 (read as 没出粮) is NP01-03's; before it no class knew the call.
    c = run("电子厂两个月冇出粮，老细话下个月一齐发，我哋想问去边度投诉")
    assert c.situation_code == "NP01-03", (c.rule_id, fired(c))


def test_a_wallet_dropped_then_seen_taken_keeps_the_call() -> None:
    # zj-2026.12.260 reads 可能是掉在 as a loss taken back; a man seen taking it is still a theft.
    c = run("钱包可能是掉在车上，但司机说看到一个男的把它拿走了")
    assert c.is_police_matter and "safety:carried_off" in fired(c), (c.rule_id, fired(c))


def test_a_wish_to_chop_said_with_a_cleaver_at_the_door_keeps_the_call() -> None:
    # zj-2026.12.260 reads 气到想 as a wish; a cleaver held at the door now is still armed.
    c = run("佢话气到想斩人，而家攞住把菜刀喺我门口踢门")
    assert c.is_police_matter and not c.rule_id.startswith("default:"), (c.rule_id, fired(c))


def test_a_cry_of_exasperation_beside_a_knife_keeps_the_call() -> None:
    # zj-2026.12.261 masks 救命哦 as exasperation; a man chasing the caller with a knife is still armed.
    c = run("救命哦，有个男的拿刀追我，快来人")
    assert c.is_police_matter and "safety:armed" in fired(c), (c.rule_id, fired(c))


def test_someone_elses_child_hit_and_left_keeps_the_call() -> None:
    # zj-2026.12.262 masks 撞到人家的 (someone else's thing); a child hit and left lying is still police.
    c = run("他开车撞到人家的小孩，人倒在地上不动，车开跑了")
    assert c.is_police_matter and "safety:vehicle_hit" in fired(c), (c.rule_id, fired(c))


def test_a_buyer_who_feels_cheated_and_is_blocked_keeps_the_call() -> None:
    # zj-2026.12.265 masks 感觉被骗 (a buyer's grievance); money taken and the seller gone is still fraud.
    c = run("网上买东西付了八千块，感觉被骗了，对方收钱后把我拉黑了，电话也关机")
    assert c.is_police_matter and "safety:paid_blocked" in fired(c), (c.rule_id, fired(c))


def test_a_rigged_scale_is_named_a_price_dispute() -> None:
    # zj-2026.12.224: before it no class knew the call (the fallback kept it); 秤有鬼 is NP04-06's.
    c = run("集上卖梨的秤有鬼，说是五斤，回家一称三斤七两")
    assert c.situation_code == "NP04-06", (c.rule_id, fired(c))


def test_a_hurt_wild_bird_in_the_yard_is_named_an_animal_matter() -> None:
    # zj-2026.12.214: before it no class knew the call; the model may still keep it, the class is named.
    c = run("一只大鸟落俺家院子里了，腿好像伤了，飞不起来，看着像丹顶鹤")
    assert c.situation_code == "NP14-01", (c.rule_id, fired(c))


@pytest.mark.parametrize(
    "text",
    [
        "对门在楼道里烧纸，味道太大了，我还以为着火了，能不能管管",
        "今天上午学校搞消防演练，警报一响，家里老人以为是失火了，吓了一跳",
    ],
)
def test_a_fire_only_thought_to_be_one_leaves_no_doubt(text: str) -> None:
    # zj-2026.12.249 masks 以为着火, 以为是失火 …: before it the mistaken fire was a doubt that held
    # a 12345 ticket for REVIEW (46 train and dev rows moved, none police).
    c = run(text, source="12345")
    assert not any("火" in d for d in c.doubts), c.doubts
    assert not c.is_police_matter, (c.rule_id, fired(c))


def test_no_one_hurt_said_so_leaves_no_doubt_to_hold_the_call() -> None:
    # zj-2026.12.209 masks 无人受伤: before it the negated 受伤 was a doubt that held the call for
    # the call-taker (226 train and dev calls moved SUGGEST -> DIVERT and four tickets REVIEW ->
    # ROUTE, none police). A vehicle gone after the scrape is still the police's.
    c = run("两辆电动车在路口刮了一下，无人受伤，双方为谁赔钱吵起来了")
    assert not any("受伤" in d for d in c.doubts), c.doubts
    assert not c.is_police_matter, (c.rule_id, fired(c))
    gone = run("停在路边的电动三轮被一辆面包车刮倒，面包车没停直接开走了，无人受伤")
    assert gone.is_police_matter and "safety:hit_and_run" in fired(gone), fired(gone)


def test_anger_told_as_a_figure_still_keeps_a_knife() -> None:
    # zj-2026.12.201 masks 气得要杀人 as a figure; a drunk chasing his wife with a cleaver is still armed.
    c = run("他喝醉了气得要杀人，拿着菜刀在楼道里追他老婆")
    assert c.is_police_matter and "safety:armed" in fired(c), (c.rule_id, fired(c))


def test_old_people_locked_in_a_sales_room_keep_the_call() -> None:
    # zj-2026.12.124 masks a tour shop's 不买不让走; a room locked on the old is still the police's.
    c = run("讲完课非让买，不买不让走，门都锁上了，俺们十几个老头老太太在里头呢")
    assert c.is_police_matter, (c.rule_id, fired(c))


# zj-2026.12.120–.276: police matters told plainly, each with the sign or situation the step gave
# it (before it the call was kept by other words, by the model or not at all).
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # .120: walnuts knocked off a tree by someone unknown; collectors who frighten the family
        ("屋后那几棵核桃树，半夜不知道让谁给打了，青皮核桃少了三四袋", "safety:crops_taken"),
        ("讨债的三个人赖在我家两天了，拍桌子吓唬我爸，欠钱的是我弟", "situation:P01-06"),
        # .121: 掉进河 and 掉进水 were signs, 掉塘里, 掉湖里, 掉海里 … were not
        ("有个娃娃掉塘里了，村口那个塘", "safety:danger"),
        # .123: ice that cars are already sliding on (nineteen train and dev calls told it so)
        ("山路弯道结了一层暗冰，已经两辆车滑到沟里了，后面还有车下来", "situation:P05-04"),
        # .125: 拖了根 and 抽出一根 hold a tool as 抄起 does; 木方 is a tool at hand
        ("两个摊主吵到一半，一个从店里拖了根钢管出来，另一个抄起木方，眼看要开打", "safety:armed"),
        # .126: an ex-partner with an old key (thirty-eight train and dev calls, none ordinary)
        ("离婚半年了，前夫拿旧钥匙开门进了她家，还睡在里面不肯走", "situation:P07-04"),
        # .127: 把路拦上, 拿石头拦 … are a road blocked as 堵路 is
        ("村口那条路让几个人拿石头树枝给拦上了，说大车把路压坏了，要讨说法", "safety:crowd"),
        # .128: old ordnance (an old war's shell is no past event); a snakebite swollen black
        ("挖地挖出个锈铁疙瘩，看起像以前打仗的炮弹，没敢动", "safety:explosion"),
        ("放牛看到泥里半埋着个生锈的手榴弹样的东西", "safety:explosion"),
        ("我爸上山被毒蛇咬伤了，脚已经肿胀发黑，家里没车", "safety:animal_attack"),
        # .130: a child unreachable, told 给孩子在…打电话 (the .123 mask 给孩子在 took that 孩子)
        ("给孩子在县城的宿舍打电话，到现在打不通", "safety:unreachable"),
        # .131: a dice stall's picture game and its stakes (fifteen train and dev calls, all police)
        ("庙会戏台后面有人摆鱼虾蟹的摊子，押钱的，学生仔也在押", "situation:P07-01"),
        # .132: pipes cut through (28 of the 29 train and dev calls with 割断 are police)
        ("不晓得哪个把我们养鸡场的水管全部割断了，鸡一早上都没水喝", "situation:P02-05"),
        # .133: the school told with 哪儿 (在哪读书 was a word, 在哪儿读书 was not)
        (
            "吃完饭说菜里有苍蝇，要赔三千，不赔就喊人来闹，还说晓得我娃在哪儿读书",
            "safety:threat_home",
        ),
        # .135: a fight in southwestern speech (30 of the 31 train and dev calls with these, police)
        ("两个卖鱼的为摊位扯皮，扯到后头打捶了，扭到一堆在地上滚", "safety:violence"),
        # .136: fruit trees ringed of their bark (15 of 15 train and dev calls with 剥了一圈, police)
        ("哪个缺德的把桔子园的树皮剐了一圈，几十棵都要死了", "situation:P02-05"),
        # .137: paid someone posing as an office, then phoned the office: "没这回事"
        (
            "有人打电话讲是自来水公司的，说我家水表违规要罚款，叫我扫码交了一千，"
            "我再打到自来水公司问，人家讲没这回事",
            "safety:checked_no_such",
        ),
        # .138: a marriage registered in the caller's name (six train and dev calls, all police)
        ("回来办事才晓得我的名字在外地登记结过婚了，我根本没结过婚", "safety:identity_fraud"),
        # .139: the scooter gone when the caller came down to it
        ("电瓶车锁在楼下，上去吃了碗面下来就没了", "safety:vehicle_gone"),
        # .140: a box bound in tape with wires out (seven train and dev calls, all police); a
        # bride kept by the groom's family (fourteen with 不让回娘家, all police)
        ("菜市场后门扔着一个纸盒子，用胶带缠了一圈又一圈，有几根电线伸出来", "safety:taped_parcel"),
        ("妹子嫁过去半年，婆家嫌彩礼给少了，不让回娘家，电话都是她婆婆接", "safety:detention"),
        # .141: a sit-in on the northern 道; more money asked before a refund
        ("征地款没到位，村里几十号人坐道上了，拉土车过不去", "safety:sit_in"),
        ("网上买的茶叶是假货，客服说要再付一百的运费险才能退款", "safety:pay_to_refund"),
        # .142: a pipe felt for in the car; the underworld, "weigh it up", "won't see the year out";
        # a highway blocked with stones
        ("两家人在饭店门口吵，一个从车上摸了根铁棍下来", "safety:armed"),
        ("他讲他认得道上的人，叫我自己掂量", "safety:threat"),
        # .143: "peace money" demanded (four train and dev calls, all police)
        ("开了个小超市，有几个人每个月来收五百块平安费", "safety:threat"),
        # .144: a factory place arranged for a fee, then the phone off; a snakebite with no car
        ("托人介绍进厂，交了两千介绍费，人就关机了", "safety:job_fee_fraud"),
        ("我爸在山上被蛇咬了，离镇上远叫不到车", "safety:animal_attack"),
        # .145: "or we'll come and make trouble every day" (41 calls, all police); stings and short
        # breath
        ("有人讲我家坟地占了他的风水，不给钱就天天来闹", "safety:threat"),
        ("孩子在山上被马蜂蜇了好几下，现在呼吸困难", "safety:animal_attack"),
        # .146: villagers who blocked the road themselves; "车子丢了" with the scooter named after
        ("嫌拉矿的车把路压坏了，村里人把进山的路堵了", "safety:road_blocked_by_people"),
        ("车子丢了，新买的电动车，就停在菜市场门口", "safety:vehicle_gone"),
        # .147: a driver held by the throat for his money
        ("拉了两个客人到村口，他们掐着我脖子叫我把钱转过去", "safety:violence"),
        # .148: an identity card used by someone else, told in the third person (89 train and dev
        # calls with 冒用 and 身份证 in one clause, all police)
        ("催收电话打到他这里，才晓得有人冒用了他的身份证", "safety:id_card_misused"),
        ("前夫天天发信息说我活不过这个月", "safety:threat"),
        ("为了补偿款的事，村里人用石块堵住公路，来往的车过不去", "safety:crowd"),
        # .150: a company registered in the caller's name, found when asking for relief
        (
            "去镇上办低保，人家讲我名下在外省注册了个公司，我这辈子没出过县",
            "safety:identity_record",
        ),
        ("税务局讲我是老板，我种了一辈子地，哪里来的公司", "safety:identity_fraud"),
        # .151: a sack found tied and bulging that stinks (28 train and dev calls, all police)
        ("沟边扔着个编织袋，扎得紧紧的，鼓鼓囊囊，臭得很，苍蝇一大堆", "safety:stinking_sack"),
        # .152: a fire told with 燃起来 (15 train and dev police calls)
        ("隔壁饭店的烟道燃起来了，黑烟往楼上冒", "safety:fire"),
        # .153: the gate blocked by a crowd; a drunk (57 train and dev calls, all police)
        ("暖气不热，小区的人都到供热公司了，把大门给堵了", "safety:crowd"),
        ("烧烤店里来了个醉鬼，不给钱还摔碗", "situation:P07-05"),
        # .154: wild mushrooms eaten and the eaters sick now; a licence sold without a test
        ("中午吃了山上捡的菌子，现在一家人都吐得不行", "safety:mushroom_poisoning"),
        ("托人买了个驾照，说不用考，拿去一查是假的", "situation:P08-01"),
        # .155: the Cantonese "her" (six train and dev calls, all police)
        ("我个女讲学校个保安成日摸佢，佢唔敢返学", "safety:sexual"),
        # .156: a child knocked down in southwestern speech (挂倒: 89 train and dev calls); lost in the hills
        ("放学的时候一个娃娃在路口被三轮车挂倒了，腿上流血", "safety:vehicle_hit"),
        ("上山捡菌子转迷糊了，天快黑了，手机快没电", "safety:danger"),
        # .157: an old father who has lost his way home
        ("我老父亲一早出门赶集，他认不得路，到现在没回来", "safety:confused_elder"),
        # .159: a son chained in an outhouse; a tenant locked in by the landlord; stakes on a cockfight
        ("邻居家嫌儿子乱跑，拿铁链子把他拴在牛圈边的小屋里，好几年了", "safety:detention"),
        ("房东从外头把门给我反锁了，我关在里头一天了出不去", "safety:detention"),
        ("村后头的场子天天有人斗鸡下注，一场好几千", "situation:P07-01"),
        # .160: a stray cow held for a ransom, or it is slaughtered
        ("我家羊跑进他家院子，他把羊关了，说不拿两千来领就宰了吃肉", "situation:P02-04"),
        # .161: a threat to the grandchildren in southern Henan speech; damage done on purpose
        ("他说我再去告，小心俺孙子放学路上出点啥事", "safety:threat"),
        ("果园的铁丝网让人一截一截剪断扔沟里了，是成心的", "situation:P02-05"),
        # .162: a skimmer on a cash machine
        ("信用社那台取款机的插卡口多了个东西，看着不像原装的", "situation:P02-03"),
        # .163: a little girl lost in a crowd, told in Henan speech
        ("赶庙会人太多，俺家小妮儿半个钟头找不着了", "safety:unreachable"),
        # .164: an old herder gored by his bull, the wound told
        ("俺爹喂牛让牛给顶了，肚子上一个大口子，村医说弄不了", "safety:animal_attack"),
        # .165: a pocket picked in a queue, told with the spoken passive
        ("排队交费的时候钱包让人给掏了，刚发现，人应该还在附近", "safety:theft"),
        # .166: tea bushes cut at the root overnight, the spoken passive
        ("俺家茶园夜里叫人砍了几十棵，都是齐根砍的", "safety:crops_destroyed"),
        # .168: a stubble fire caught the neighbour's stack; a sit-in told plainly; a buyer's company
        # that does not exist
        ("烧秸秆燎着邻家的柴火垛了，我们拿盆泼不灭", "safety:fire"),
        ("三十多个工人要工钱，现在都在镇政府院里坐着", "safety:crowd"),
        ("收蒜的拉走了十几吨，说的那个公司查无此名，电话也打不通了", "safety:fraud"),
        # .170: herbicide on the seedlings by night; a finder who sells the phone unless paid; a
        # plate cloned
        ("刚插的秧苗夜里叫人拿除草剂打了，一大片全黄了", "safety:crops_destroyed"),
        ("捡到我手机的人要我转五百，说不转就拿去卖了", "situation:P02-04"),
        ("小区里停了辆车，车牌跟我的一模一样，他那个是套的", "safety:forgery_sold"),
        # .171: a threat thrown down on leaving; a field harvested by another; a utility man the utility
        # never heard of
        ("他临走撂下话说黑了去点俺家柴火垛", "safety:threat_said"),
        ("俺家的稻子叫人拿收割机割走了一亩", "safety:theft"),
        ("有个人说是自来水公司的，收了两百块说来换表，我去公司一问，说没这个人", "safety:fraud"),
        # .172: a village hall's incense burner gone, told in Hakka
        ("祠堂里的铜香炉冇见了，係全村公家的", "safety:theft"),
        # .173: a sack of the harvest gone from the threshing floor
        ("晒在场院里的核桃，一麻袋没了，那是俺一年的收成", "safety:theft"),
        # .174: the lights all out at a school crossing, told in Cantonese
        ("学校门口个红绿灯坏晒，啲车乱冲，啱啱放学", "situation:P05-04"),
        # .176: a drunk table smashing plates; mud washing down on a house
        ("隔壁桌那几个人在摔盘子，骂骂咧咧", "situation:P07-05"),
        ("雨太大了，泥巴冲下来堵了我家后门，后山还在响", "situation:P04-06"),
        # .177: cured meat gone overnight
        ("挂在楼顶的腊肉一夜之间全没了，晒了二十多块", "safety:theft"),
        # .178: boulders across a bend at night
        ("县道拐弯那里有大石块滚到路中间，晚上没灯，车过不去", "situation:P05-04"),
        # .179: girls found for a guesthouse's guests
        ("民宿老板叫我给住店的客人找小妹，我不干", "situation:P07-03"),
        # .180: a herb bed dug up overnight, in Sichuanese
        ("后山的天麻地昨晚上遭人挖了，坑都是新的", "safety:crops_taken"),
        # .183: a cane field cut down, told with the Yunnan passive; lost in a cave
        ("我家甘蔗地着人砍倒了一大片，明明是故意整我", "safety:crops_destroyed"),
        ("我们几个钻山洞耍，手电没电了，找不着出来的路", "situation:P06-04"),
        # .184: a welfare agent the village never heard of, in the southwest
        ("有个人说能帮我办低保，收了两千块手续费，到村上一问根本没得这个人", "safety:fraud"),
        # .189 settles pupils "已被老师分开", not a fight that went on after the teacher parted it
        ("两个娃在学校打起来了，老师分开了又打，有个娃头都打破了，快来", "safety:violence"),
        # .190 masks a found child's bag, not a child found
        ("我在河边捡到一个孩子，三四岁，哭着找妈妈", "safety:missing"),
        # .191: the north's 铰 for a cable cut away; a stroke told by the mouth and the speech
        ("村头变压器上的铜线叫人铰走一大截，全村都停电了", "safety:theft"),
        ("俺爹正吃着饭嘴一歪，说话也说不利索了，离医院远", "safety:injury"),
        # .192: paid a fake office, the phone dead at once; a vase broken and then the caller beaten
        ("说是镇上民政的，让我转两千办补贴，我转完电话就打不通了", "safety:paid_blocked"),
        ("他喝醉了把花瓶打了，又把我打了一顿", "safety:violence"),
        # .193's 气得想 governs its own clause, not a knife at the door in the next
        ("我老公气得想砸东西，现在拿着菜刀在砍门，我跟娃躲在屋里", "safety:armed"),
        ("我阿公不见了，老人机也打不通", "safety:missing"),
        # .194: a son got into the steel works for a fee, the phone cut off; a fee paid and no longer answered; a dry
        # well fallen into
        (
            "有人说能把俺儿子弄进钢厂当正式工，收了八万块钱，人找不着，电话也停机了",
            "safety:arranged_fee_fraud",
        ),
        ("说是林业局的，讲有补偿款，得先交两千手续费，我转完他就不接了", "safety:paid_blocked"),
        ("我掉枯井里了，腿摔了上不去，就在村西头地里", "safety:danger"),
        # .195: a fee fraud told at length, its offer, fee and vanishing eleven clauses apart
        (
            "上礼拜来了俩人，开个小轿车，说是县里派下来给办药材补贴的，一亩补一千，先交三百块材料费。"
            "屯里二十多户都交了，还给写了收条，章也看不清。说好三天后来发钱，到今天人没影儿了，电话也停机了。",
            "safety:arranged_fee_fraud",
        ),
        # .196: poison threatened for the caller's field; a pool of blood at a silent neighbour's door
        ("我不租他的田了，他站在我屋门口讲，晚上来给我田里下药，讲了好几遍", "safety:threat"),
        ("隔壁天天吵架，今天突然没声音了，门口还有一滩血迹，敲门也不开", "safety:injury"),
        # .197: Hunan's child gone (伢子冇得哒); a Cantonese son not home "到依家"
        ("进货前把细伢子放档口让隔壁看一下，回来伢子冇得哒", "safety:missing"),
        ("我个仔放学到依家都未返屋，问过同学都话冇见到佢", "safety:unreachable"),
        # .199 masks a hit-and-run alleged, not one told
        ("刚才一辆车把我撞倒就跑了，肇事逃逸，车牌没看清", "safety:vehicle_hit"),
        # .202: a road blocked by the village, told with 庄上的人, 屯里的人 and the northern 道
        ("拉矿车把村道压坏了，庄上的人把路口全堵了，车排了一里多", "safety:road_blocked_by_people"),
        ("采石场的车天天过，屯里的人把道给堵死了，司机下来要动手", "safety:road_blocked_by_people"),
        # .206: parents who block a school's road, told in the passive; a tip offered to the police
        ("学校门口那条路让一帮家长给堵死了，校车进不去", "safety:road_blocked_by_people"),
        ("去年偷我们村电缆的人我认得，当时不敢讲，现在想向民警提供线索", "situation:P08-03"),
        # .208: a thing gone overnight, told with the north's 一宿
        ("院里拴的两只羊一宿没了，地上有三轮车印子", "safety:theft"),
        # .210: a child to be waylaid at school for a debt; trees sawn down, the hand told with its tool
        ("他说今儿黑价不把钱送过去，就上学校门口堵俺孩儿", "safety:threat"),
        ("早起一看，俺家枣园十几棵树让人拿锯齐根锯了", "safety:crops_destroyed"),
        # .211: a payment demanded "or else every day" with people brought; a plate the same as mine, told with 同
        ("吵了几句，对方要我赔五千块精神损失费，否则每天带人去我店里闹", "safety:coerced_payment"),
        ("有台车的车牌同我的一模一样，我的车一直停在屋里，罚单却是市区拍的", "safety:forgery_sold"),
        # .211: beaten, told with the northern spoken passive
        ("俺夜来在集上叫人打了，今儿去医院一拍片子，肋条骨裂了", "safety:violence"),
        # .212: children on the railway line
        ("看见两三个半大孩子翻过铁路护栏在铁轨上玩，还往铁轨上摆石头", "situation:P05-04"),
        # .216: a sit-in, however loud (吵得 is a noise cue, which governs the crowd sign, not this one)
        (
            "合作社收了入股的钱不给分红，全村好几十户一早都坐到乡里院子里去了，吵吵得厉害",
            "safety:sit_in_office",
        ),
        # .218: setting oneself alight, said ahead
        ("邻居买了两桶汽油放在家里，说明天一早就到乡政府门口点了自己", "safety:self_harm"),
        # .219: the found-gold swindle
        (
            "我阿爸赶圩遇到两个人，讲捡到个金佛要分给他，他把存折里八千块取给人家了",
            "safety:found_gold_share",
        ),
        # .225: a bag's zip opened in a queue (遭 for 被), and the trade named by a euphemism
        ("在汽车站排队买票，背包拉链遭人拉开了，钱包没得了", "safety:theft"),
        (
            "菜市场后头那间按摩店白天不开门，晚上男的进进出出，明摆着是做那种生意的",
            "situation:P07-03",
        ),
        # .226: toughs who eat without paying and overturn a stall; a marriage found in one's name
        ("那几个二流子又来了，吃东西不给钱，卖凉粉的摊子掀了，还在那骂人", "situation:P01-06"),
        ("去办社保才发现自己已经结了婚，女方是谁我根本不晓得", "safety:identity_fraud"),
        # .227: meals eaten unpaid and a street claimed; 整走 with the passive; a hand let go in a crowd;
        # pills saved up; pain that has one rolling; pressed against on a bus; a deposit paid, then blocked
        ("我开的饺子馆，几个小痞子吃完不给钱，还说这片儿他们说了算", "situation:P01-06"),
        ("场院里晒的两袋黄豆一宿让人整走了", "safety:theft"),
        ("赶庙会人太多，孩子一撒手就没了，找了半个钟头了", "situation:P06-01"),
        ("不想再麻烦谁了，药攒够了，今晚就走", "safety:self_harm"),
        ("俺爹在地里干活突然疼得直打滚，村里没车，得往城里送", "situation:P06-05"),
        ("公交上一个男的贴着我蹭，我挪了两回他都跟过来", "safety:sexual"),
        ("在快手上看到有人卖便宜的茶叶，付了五百定金，付完就把我拉黑了", "safety:paid_blocked"),
        # .232: lost in a crowd; a game set up every night
        ("带外孙去庙会，人一多就冇看到了，找了一圈都冇得", "safety:missing"),
        ("村口那家麻将馆后屋天天摆局子，一晚上输赢好几万", "situation:P07-01"),
        # .233: "I never thought he would" is no wish: the blow stays told
        ("我真想不到他会动手打我，脸都肿了", "safety:violence"),
        # .234: noise governs the crowd only: a weapon raised among the singers is still one
        ("歌厅门口一帮人鬼哭狼嚎的，拿着棍子追着一个人打", "safety:armed"),
        # .235: a cash box snatched; walnut trees stripped of their bark by an unknown hand
        ("路边摆摊卖水果，一个后生抓了钱箱就跑了", "safety:theft"),
        # .237: a heart attack told by its signs; bricks through the windows at night
        (
            "报警人称其在国道上跑货车，副驾驶的同事突然胸口剧痛，直冒冷汗，附近没有医院。",
            "safety:injury",
        ),
        ("跟车的师傅突然捂着胸口，满头大汗，说不出话", "safety:injury"),
        ("要账的半夜往我家窗户上扔砖头，还在外面骂", "safety:damage"),
        ("要账的昨晚上来了，窗户玻璃全碎了，孩子吓得直哭", "safety:damage"),
        # .238: the one road washed out, food running low; pills sold to drivers to stay awake
        (
            "我们几个进山里捡石头，下雨把路冲断了，出不去了，吃的就剩一天的",
            "safety:snowbound_in_need",
        ),
        ("停车区有人给跑长途的司机卖小药片，说吃了不瞌睡", "situation:P07-02"),
        # .239: saplings snapped by an unknown hand; a road closed with stones until paid
        ("谁这么缺德，把我家新栽的一趟小杨树苗全给撅折了", "safety:crops_destroyed"),
        ("路当中摆了一溜石头，说不给钱谁也甭想过，车都堵那了", "situation:P03-03"),
        # .240: a shop sign over a bus stop in a gale
        ("商铺楼顶的大招牌被大风刮得一晃一晃的，下面就是公交站", "safety:falling_object"),
        # .241: a road caved in with a car already in the hole
        ("报警人称国道上路面塌陷出一个大坑，已有一辆车陷入，晚上看不清", "situation:P05-04"),
        ("不知道谁把我家果园里十几棵核桃树的皮全剥掉了，树都活不成了", "safety:crops_destroyed"),
        ("谁这么缺德，把我园子里的核桃树皮一圈一圈全剥了", "situation:P02-05"),
        ("一伙人喝多了在楼下唱歌，唱着唱着拿酒瓶子砸人，有人头破了", "safety:armed"),
        # .243: livestock counted short in the fold
        ("天亮一看，羊圈里少了六只羊，一点动静都没听见", "safety:theft"),
        ("我家冬窝子羊圈里少了二十几只羊，狗一声都没叫，肯定是熟悉的人干的", "safety:theft"),
        # .246: villagers stopping lorries
        ("十几个村民拦住运渣土的车不让通行，说压坏了村里的路", "safety:road_blocked_by_people"),
        # .248: a vehicle gone told with 没有了; the caller told not to call the police
        ("我进屋拿了个东西，出来电动车没有了，钥匙还在我兜里", "safety:theft"),
        ("他们扣了我家的牛，一头要两千，还说不许报警，不然就把牛宰了", "safety:threat"),
        # .251: livestock that drank and dropped
        ("工厂后面的沟里淌出来的水发绿，我家牛喝了倒下两只", "safety:livestock_poisoned_water"),
        # .252: a pump leaking current, told in a learner's order
        ("抽水的时候水泵电漏了，我爸倒在水沟里不动了", "safety:danger"),
        # .254: damage said to be on purpose
        ("我家大棚的塑料膜叫人一道一道划开了，明摆着是故意的", "situation:P02-05"),
        ("果园的水管子全给割成一截一截的，肯定是故意的，我没得罪过谁啊", "situation:P02-05"),
        ("谁把我三轮车的刹车线弄断了，这就是故意整我", "situation:P02-05"),
        # .255: gone, told with 没有了; gas told by its hiss
        ("电瓶车停在菜场门口，买完菜出来就没有了，钥匙还在我兜里", "safety:vehicle_gone"),
        ("厨房的液化气罐呲呲响个不停，我们不敢进去了", "safety:gas"),
        # .256: an unattended bag told across five clauses
        (
            "仓库后门放着一个编织袋，没人认，放了一早上了，我拎了一下，死沉死沉的",
            "safety:unattended_object",
        ),
        # .257: a big band
        ("一大帮人在镇政府办事大厅吵吵嚷嚷，说是为低保的事", "safety:crowd"),
        # .259: a threat to burn the home, in the plural
        ("楼上的说我再吵就拿汽油把我们家点了，这话说了好几回了", "safety:threat"),
        ("修路的工人全来了，围在村部门口要工钱，乱得很", "safety:sit_in_office"),
        # .261: a box left unclaimed, wrapped all over in tape
        ("车站门口一个箱子放半天了，缠满胶带，没人管", "safety:unattended_object"),
        # .263: gas smelled as a stink
        ("楼梯里煤气臭到不行，我不敢开电火，怎么办？", "safety:gas"),
        # .264: an orchard's olives picked overnight; a boat to be holed unless paid
        ("我橄榄山上的橄榄昨暝给人摘光了，整整一片，树枝都折断了", "safety:crops_taken"),
        (
            "那些人讲我的船挡了伊的水路，每个月要交三千块管理费，不交就凿我的船",
            "safety:coerced_payment",
        ),
        # .267: the house to be burnt, said without 家房子; memory told as very poor
        (
            "为了院墙的事跟邻居闹了半年，今早门缝里塞进来一张条子，写着不搬走就烧你房子",
            "safety:threat",
        ),
        ("公园长椅上坐着个老大爷，看着记性很差，问啥都摇头", "safety:confused_elder"),
        # .287: villagers blocking a works' gate
        ("征地款没给够，几十个村民把工地大门堵了，车都出不来", "safety:road_blocked_by_people"),
        # .286: a child not at school, told with 俺娃
        ("老师打电话说俺娃下午没到学校，家里也没回，才九岁", "safety:missing"),
        # .285: a load-bearing wall knocked through and the floor sinking
        (
            "隔壁装修把承重墙砸了，我家墙上裂开了一条大缝，地板都在往下沉",
            "safety:structure_failing",
        ),
        # .284: a fee for a certificate, then gone; a group chat dissolved when the money went; windows smashed in spite
        (
            "村里有人说能帮办残疾证，一人收五百手续费，收了钱就走了，电话也不接",
            "safety:arranged_fee_fraud",
        ),
        ("报名当群演交了两百报名费，转完钱群就解散了，人也找不到", "safety:paid_blocked"),
        ("就为了宅基地那点事，他故意报复，半夜把我家门口的车窗全砸了", "safety:spite_damage"),
        # .283: a father-in-law gone from a hospital ward on his own; a husband searched for everywhere
        ("我公公有点老年痴呆，上午从县医院住院部自己走了，手机也没带", "safety:missing"),
        ("老伴早上去赶集，到现在还没回来，到处找不着", "safety:missing"),
        # .282: a camera hidden in a bathroom; slot machines behind a shop; a workshop making fake pesticide
        ("出租屋卫生间的换气扇里藏着摄像头，镜头正对着洗澡的地方", "safety:hidden_camera"),
        ("村口小卖部后面放了三台老虎机，天天有人在里面玩到半夜", "safety:slot_machines"),
        ("我们村后头有个小作坊在做假农药，装的都是名牌的袋子", "situation:P08-03"),
        # .281: goods paid for, what came was not them, and the seller gone
        (
            "在直播间买了两斤野生天麻，转了三千，收到的是一包萝卜干，主播已经失联了",
            "safety:received_then_gone",
        ),
        # .280: a follow-up call while the child is still missing (a settled cue governs nothing)
        ("我家孩子下午走丢了，到现在还没找到，案件进展怎么样", "safety:missing"),
        ("我爸前天出门到现在下落不明，已经立案了，想问问有没有消息", "safety:missing"),
        # .276: a fee for a school place by a man who then vanished; villagers called 群众 on the road
        (
            "有人自称教育局的，说能帮我孩子进实验小学，收了我两万，现在电话关机人也找不着了",
            "safety:arranged_fee_fraud",
        ),
        ("几个村的群众把路堵了，说征地款没发，大车小车排了老长", "safety:road_blocked_by_people"),
        # .274: a message likened to a suicide note
        ("我表弟刚给我发了一大段话，像遗书一样，后面就再也不回了", "safety:self_harm"),
        # .272: a road barred by villagers, told with 挡
        (
            "镇上去景区的路口，一群村民拿树枝把路挡住了，说不赔青苗费就不让车过去",
            "safety:road_blocked_by_people",
        ),
        # .270: fruit trees' bark stripped, told with 皮 first and the hand asked after
        (
            "谁这么缺德，把我家二十几棵苹果树的一圈皮都剥了，这些树都活不成了",
            "safety:crops_destroyed",
        ),
    ],
)
def test_police_matters_told_plainly_keep_the_call(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter and rule in fired(c), (c.rule_id, fired(c))
