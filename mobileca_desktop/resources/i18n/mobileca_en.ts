<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>ActivationPage</name>
    <message>
        <location filename="../../views/activation_page.py" line="+65"/>
        <source>证书下载</source>
        <translation>Download certificate</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>下载（激活）后，本机会生成本机的签名密钥并取得签名证书，同时取回单位的加密密钥，用于扫码登录、签章和解密投标文件。私钥只保存在本机，由您设置的证书密码保护。</source>
        <translation>Downloading (activating) makes a signing key on this computer and gets its signing certificate, and fetches the company&apos;s encryption keys, for scanning to log in, to seal and to decrypt bids. The private keys stay on this computer, protected by the certificate password you set.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>正在查看本机的证书…</source>
        <translation>Checking the certificates on this computer…</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>短信验证码</source>
        <translation>SMS code</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>6 位验证码</source>
        <translation>6-digit code</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+2"/>
        <source>获取验证码</source>
        <translation>Get code</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>验证码将以短信发送至法定代表人的手机（经办人下载时也是如此）。</source>
        <translation>The code is sent by SMS to the legal representative&apos;s phone (also when an agent downloads).</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>打开手机收件箱查看验证码</source>
        <translation>Open the phone inbox to see the code</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>打开手机收件箱</source>
        <translation>Open the phone inbox</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>设置证书密码</source>
        <translation>Certificate password</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>确认证书密码</source>
        <translation>Certificate password again</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+2"/>
        <location line="+227"/>
        <source>激活</source>
        <translation>Activate</translation>
    </message>
    <message>
        <location line="-214"/>
        <source>证书下载成功</source>
        <translation>Certificate downloaded</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>本机密钥库未打开（系统钥匙串不可用），无法下载证书。</source>
        <translation>The keystore of this computer is not open (the system keyring is not available); certificates cannot be downloaded.</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>{}（授权人：{}）</source>
        <translation>{} (granted by {})</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>上次中断的证书下载已在本机完成，请使用当时设置的证书密码。</source>
        <translation>The interrupted download has been completed on this computer; use the certificate password you set then.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>上次的证书下载尚未完成，暂时无法连接 CA，请稍后再打开此页面。</source>
        <translation>The last download is not complete and the CA cannot be reached now; open this page again later.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>上次下载未完成</source>
        <translation>Last download incomplete</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>证书状态为“{}”，不能下载。</source>
        <translation>The certificate is “{}” and cannot be downloaded.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>本机已下载此证书，可直接使用，无需再次下载。</source>
        <translation>This certificate is already on this computer and ready to use; no need to download it again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+117"/>
        <source>本机已下载此证书</source>
        <translation>Already on this computer</translation>
    </message>
    <message>
        <location line="-109"/>
        <location line="+12"/>
        <source>本机尚未下载此证书。</source>
        <translation>This certificate is not on this computer yet.</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>证书密码错误次数过多，已在本机锁定。重新下载后设置新的证书密码即可解锁；本机原来的签名证书将被吊销（已被取代）。</source>
        <translation>Too many wrong certificate passwords: the certificate is locked on this computer. Download it again and set a new certificate password to unlock it; this computer&apos;s old signing certificate is then revoked (superseded).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>本机的签名证书已失效（如授权已撤回或证书已更新），请重新下载。</source>
        <translation>This computer&apos;s signing certificate is no longer valid (e.g. the grant was withdrawn or the certificate renewed); download it again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机的证书文件已损坏或被改动，请重新下载。</source>
        <translation>The certificate files on this computer are damaged or were altered; download it again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机的证书文件是在其他电脑上生成的，请在本机重新下载。</source>
        <translation>The certificate files were made on another computer; download it again here.</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>验证码已发送至法定代表人手机 {}（可在“手机收件箱”查看），5 分钟内有效。</source>
        <translation>Code sent to the legal representative&apos;s phone {} (see the phone inbox); valid for 5 minutes.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>重新获取</source>
        <translation>Resend</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>重新获取验证码</source>
        <translation>Resend the code</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{} 秒</source>
        <translation>{} s</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>请输入短信验证码</source>
        <translation>Enter the SMS code</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>请牢记证书密码：扫码登录、签章和解密时都需要输入。</source>
        <translation>Remember the certificate password: scanning to log in, seal and decrypt asks for it.</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>正在下载证书…</source>
        <translation>Downloading the certificate…</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>本机已下载此证书。</source>
        <translation>This certificate is on this computer.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>本机签名证书序列号：{}</source>
        <translation>Serial of this computer&apos;s signing certificate: {}</translation>
    </message>
    <message>
        <location line="-41"/>
        <source>证书已下载到本机</source>
        <translation>Certificate downloaded to this computer</translation>
    </message>
</context>
<context>
    <name>AgentStep</name>
    <message>
        <location filename="../../views/wizard/agent_step.py" line="+25"/>
        <source>非法人本人办理，请完善经办人信息。经办人将通过短信验证码完成电子签名。</source>
        <translation>Someone other than the legal representative applies: enter the agent&apos;s details. The agent signs the application with an SMS code.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>经办人姓名</source>
        <translation>Agent&apos;s name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人身份证号</source>
        <translation>Agent&apos;s ID number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人手机号</source>
        <translation>Agent&apos;s mobile number</translation>
    </message>
</context>
<context>
    <name>AuthCodeStep</name>
    <message>
        <location filename="../../views/wizard/auth_code_step.py" line="+20"/>
        <source>非法人申请时需要授权码。{}</source>
        <translation>An agent needs an authorisation code. {}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>授权码已确认，请点击下一步。</source>
        <translation>The authorisation code is confirmed; click Next.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>授权码</source>
        <translation>Authorisation code</translation>
    </message>
</context>
<context>
    <name>CameraView</name>
    <message>
        <location filename="../../views/camera_view.py" line="+285"/>
        <source>摄像头预览</source>
        <translation>Camera preview</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>正在打开摄像头…</source>
        <translation>Opening the camera…</translation>
    </message>
    <message>
        <location line="+71"/>
        <source>摄像头已打开，但没有画面</source>
        <translation>The camera is open but sends no picture</translation>
    </message>
</context>
<context>
    <name>CertActions</name>
    <message>
        <location filename="../../views/cert_actions.py" line="+183"/>
        <source>证书已更新，请在本机下载新证书</source>
        <translation>Certificate renewed; download the new one to this computer</translation>
    </message>
    <message>
        <location line="+96"/>
        <source>证书已吊销</source>
        <translation>Certificate revoked</translation>
    </message>
</context>
<context>
    <name>CertDetailPage</name>
    <message>
        <location filename="../../views/cert_detail_page.py" line="+54"/>
        <source>证书详情</source>
        <translation>Certificate details</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>正在加载…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>证书关联印章列表</source>
        <translation>Seals of the certificate</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>授权人：{}</source>
        <translation>Granted by {}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>此证书已被新证书取代（证书更新或变更），请使用新证书。</source>
        <translation>This certificate was superseded by a new one (renewal or change); use the new one.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+2"/>
        <source>查看新证书</source>
        <translation>View the new certificate</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>证书更新</source>
        <translation>Renew</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>证书变更</source>
        <translation>Change</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>吊销</source>
        <translation>Revoke</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>修改证书密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>下载证书到本机后才能修改证书密码</source>
        <translation>Download the certificate to this computer first to change its password</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>本机（{}）</source>
        <translation>This computer ({})</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>重新下载证书</source>
        <translation>Download again</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>下载证书</source>
        <translation>Download certificate</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>本机密钥库未打开（系统钥匙串不可用），无法查看或下载本机证书。</source>
        <translation>The keystore of this computer is not open (the system keyring is not available); its certificates cannot be seen or downloaded.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>本机尚未下载（激活）此证书。下载后才能在本机扫码登录、签章和解密投标文件。</source>
        <translation>This certificate is not downloaded (activated) on this computer yet. Download it to scan to log in, seal and decrypt bids here.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>证书已吊销，不能再下载或使用。</source>
        <translation>The certificate is revoked and can no longer be downloaded or used.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>证书已过期，不能下载；请先进行证书更新。</source>
        <translation>The certificate has expired and cannot be downloaded; renew it first.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>本机未下载此证书。</source>
        <translation>This certificate is not on this computer.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>本机签名证书 {} 已被吊销（如授权已撤回、证书已更新或已吊销），不能再使用。</source>
        <translation>This computer&apos;s signing certificate {} was revoked (e.g. the grant was withdrawn, or the certificate renewed or revoked) and cannot be used.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>本机已下载此证书，可用于扫码登录、签章和解密投标文件。</source>
        <translation>On this computer: ready to scan to log in, seal and decrypt bids.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>证书密码错误次数过多，已在本机锁定。重新下载证书即可解锁。</source>
        <translation>Too many wrong certificate passwords: locked on this computer. Download the certificate again to unlock it.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>上次的下载被中断，打开下载页面会先完成或撤销它。</source>
        <translation>The last download was interrupted; the download page first completes or undoes it.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机的证书文件已损坏或被改动，请重新下载。</source>
        <translation>The certificate files on this computer are damaged or were altered; download it again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机的证书文件是在其他电脑上生成的，请在本机重新下载。</source>
        <translation>The certificate files were made on another computer; download it again here.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>颁发机构</source>
        <translation>Issuer</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书序列号</source>
        <translation>Serial number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请日期</source>
        <translation>Applied on</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>有效期至</source>
        <translation>Valid until</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书类型</source>
        <translation>Certificate type</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>证书序列号为本机签名证书的序列号（本机已下载此证书）。</source>
        <translation>The serial number is that of this computer&apos;s signing certificate (downloaded here).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>本机尚未下载（激活）此证书：证书序列号为加密证书的序列号；下载后显示本机签名证书的序列号。</source>
        <translation>Not downloaded (activated) on this computer: the serial number is the encryption certificate&apos;s; after the download it is this computer&apos;s signing certificate&apos;s.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>证书序列号为加密证书的序列号（本机未下载此证书）。</source>
        <translation>The serial number is the encryption certificate&apos;s (not downloaded on this computer).</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>暂无关联印章</source>
        <translation>No seals</translation>
    </message>
</context>
<context>
    <name>CertListPage</name>
    <message>
        <location filename="../../views/cert_list_page.py" line="+29"/>
        <source>证书管理</source>
        <translation>Certificates</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正在加载…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>暂无证书。可在首页申请单位证书、法定代表人证书或个人证书。</source>
        <translation>No certificates yet. Apply for a company, legal representative or personal certificate on the home page.</translation>
    </message>
</context>
<context>
    <name>CertRow</name>
    <message>
        <location filename="../../views/cert_row.py" line="+38"/>
        <source>查看证书详情</source>
        <translation>View the certificate details</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>授权人：{}</source>
        <translation>Granted by {}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请日期：{}</source>
        <translation>Applied on {}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>有效期至：{}</source>
        <translation>Valid until {}</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>继续</source>
        <translation>Continue</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>继续 {}</source>
        <translation>Continue {}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>申请材料已提交，等待 CA 机构审核制证。</source>
        <translation>The application is submitted and waits for the CA institution&apos;s review.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>可联系 CA 机构：{}，电话 {}</source>
        <translation> Contact the CA institution: {}, phone {}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>申请材料审核不通过</source>
        <translation>The application was not approved</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>，可点击继续进行后续处理。</source>
        <translation>; click Continue to carry on.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>。</source>
        <translation>.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已失效：{}</source>
        <translation>Invalid: {}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>证书已不在有效期，可点击继续进行证书更新。</source>
        <translation>The certificate has expired; click Continue to renew it.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>已完成证书更新，请使用新证书。</source>
        <translation>Renewed; use the new certificate.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>申请尚未提交，可点击继续办理。</source>
        <translation>The application is not submitted yet; click Continue to go on.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>已吊销（{}）</source>
        <translation>Revoked ({})</translation>
    </message>
</context>
<context>
    <name>ChangeCertificatePage</name>
    <message>
        <location filename="../../views/cert_actions.py" line="+21"/>
        <location line="+120"/>
        <source>证书变更</source>
        <translation>Change certificate</translation>
    </message>
    <message>
        <location line="-110"/>
        <location line="+5"/>
        <source>单位名称</source>
        <translation>Company name</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>所在省份</source>
        <translation>Province</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>所在城市</source>
        <translation>City</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>法定代表人姓名</source>
        <translation>Legal representative&apos;s name</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{}：{}</source>
        <translation>{}: {}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>填写需要变更的信息。变更需重新上传证件、通过短信验证码电子签名，并经 CA 机构重新审核；审核通过前原证书照常可用。审核通过后原证书被新证书取代，需在本机重新下载。</source>
        <translation>Enter what changes. A change needs the documents again, an electronic signature with an SMS code and a new review by the CA institution; the current certificate works until then. Once approved, the new certificate supersedes it and must be downloaded again.</translation>
    </message>
    <message>
        <location line="+26"/>
        <location line="+4"/>
        <source>不变更请留空</source>
        <translation>Leave empty to keep</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+2"/>
        <source>下一步：上传证件</source>
        <translation>Next: upload documents</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>不能为空；不变更请保留原值</source>
        <translation>Cannot be empty; keep the current value to leave it unchanged</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>请至少修改一项信息</source>
        <translation>Change at least one detail</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>已创建变更申请，请上传证件并签名提交</source>
        <translation>Change requested; upload the documents, sign and submit</translation>
    </message>
</context>
<context>
    <name>ChangePasswordPage</name>
    <message>
        <location filename="../../views/password_pages.py" line="+190"/>
        <source>修改证书密码</source>
        <translation>Change certificate password</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>证书密码保护本机的签名密钥和加密密钥，只保存在本机，不会发送给 CA 机构。修改后，扫码登录、签章和解密请使用新密码。</source>
        <translation>The certificate password protects the signing and encryption keys on this computer; it stays here and is never sent to the CA institution. After the change, use the new password to scan to log in, seal and decrypt.</translation>
    </message>
    <message>
        <location line="+22"/>
        <location line="+2"/>
        <source>重新下载证书</source>
        <translation>Download again</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>原证书密码</source>
        <translation>Current certificate password</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请输入当前的证书密码</source>
        <translation>The certificate password in use</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>新证书密码</source>
        <translation>New certificate password</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>确认新证书密码</source>
        <translation>New certificate password again</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+2"/>
        <location line="+39"/>
        <source>确认修改</source>
        <translation>Change password</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>请输入原证书密码</source>
        <translation>Enter the current certificate password</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>本机密钥库未打开，无法修改证书密码。</source>
        <translation>The keystore of this computer is not open; the certificate password cannot be changed.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>正在修改…</source>
        <translation>Changing…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>证书密码已修改</source>
        <translation>Certificate password changed</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>证书密码错误次数过多，已在本机锁定。重新下载证书即可解锁：用法定代表人手机收到的短信验证码验证后，设置新的证书密码。</source>
        <translation>Too many wrong certificate passwords: locked on this computer. Download the certificate again to unlock it: confirm with the SMS code sent to the legal representative&apos;s phone, then set a new certificate password.</translation>
    </message>
</context>
<context>
    <name>ChooseCertificatePage</name>
    <message>
        <location filename="../../views/scan_entry.py" line="+151"/>
        <source>选择证书</source>
        <translation>Choose a certificate</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请选择要下载到本机的证书：</source>
        <translation>Choose the certificate to download to this computer:</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>授权人：{}</source>
        <translation>Granted by {}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>已在本机锁定：重新下载后设置新的证书密码</source>
        <translation>Locked on this computer: download again and set a new password</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>下载此证书</source>
        <translation>Download this certificate</translation>
    </message>
</context>
<context>
    <name>ClockDialog</name>
    <message>
        <location filename="../../views/reviewer/clock_dialog.py" line="+42"/>
        <source>未拨快（与真实时间一致）</source>
        <translation>Not moved (real time)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>已拨快 {} 天 {} 小时</source>
        <translation>Moved forward {} days {} hours</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已拨快 {} 天</source>
        <translation>Moved forward {} days</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+1"/>
        <location line="+7"/>
        <source>演示时钟</source>
        <translation>Demo clock</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>CA 时钟</source>
        <translation>CA clock</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正在读取…</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>CA、客户端和交易平台共用此时钟。拨快后，证书和授权按新的时间判断是否过期（例如证书管理显示“已过期”）。仅用于演示和测试。</source>
        <translation>The CA, the client and the trading platform share this clock. Moved forward, certificates and grants expire by the new time (Certificates then shows “Expired”). For demonstrations and tests only.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>拨快 1 天</source>
        <translation>+1 day</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>拨快 30 天</source>
        <translation>+30 days</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>自定义天数</source>
        <translation>Days</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>自定义拨快天数</source>
        <translation>Days to move forward</translation>
    </message>
    <message>
        <location line="+3"/>
        <source> 天</source>
        <translation> days</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>拨快</source>
        <translation>Move forward</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>按自定义天数拨快</source>
        <translation>Move forward by these days</translation>
    </message>
    <message>
        <location line="+17"/>
        <location line="+2"/>
        <source>恢复真实时间</source>
        <translation>Back to real time</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+2"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>CA 时钟 {}</source>
        <translation>CA clock {}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>真实时间 {}</source>
        <translation>Real time {}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>CA 时钟已拨快 {} 天</source>
        <translation>CA clock moved forward {} days</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>CA 时钟已恢复为真实时间</source>
        <translation>CA clock back to real time</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>此 CA 不提供演示时钟</source>
        <translation>This CA has no demo clock</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <location filename="../../views/cert_actions.py" line="-348"/>
        <location line="+2"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>ConfirmStep</name>
    <message>
        <location filename="../../views/wizard/confirm_step.py" line="+22"/>
        <source>请确认以下信息无误后点击确认，然后上传证件。</source>
        <translation>Check the details below and click Confirm; then upload the documents.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>证书类型</source>
        <translation>Certificate type</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书主体</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CA 机构</source>
        <translation>CA institution</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>核验方式</source>
        <translation>Verification method</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{}（已通过）</source>
        <translation>{} (passed)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{role}：{name}（{phone}）</source>
        <translation>{role}: {name} ({phone})</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>办理人员</source>
        <translation>Handler</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>本人刷脸</source>
        <translation>Face check</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <location filename="../../demo.py" line="+382"/>
        <source>不安全：没有可用的系统钥匙串，本演示的设备密钥只由证书密码保护，保存在普通文件中。仅供演示，切勿用于真实证书。</source>
        <translation>INSECURE: no system keyring can be used, so this demo&apos;s device keys are protected only by the certificate password, in an ordinary file. For demonstrations only; never use it for real certificates.</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>本次演示未启动交易平台模拟器。</source>
        <translation>The trading-platform simulator was not started for this demo.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>交易平台模拟器尚未安装：本次演示没有扫一扫的网页，其余功能可正常演示。</source>
        <translation>The trading-platform simulator is not installed: this demo has no pages to scan; everything else can be shown.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>交易平台模拟器未能启动：</source>
        <translation>The trading-platform simulator did not start: </translation>
    </message>
    <message>
        <location line="+43"/>
        <source>法人的电脑</source>
        <translation>Legal person&apos;s computer</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>经办人的电脑</source>
        <translation>Agent&apos;s computer</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>演示 · 法人的电脑：%1（%2）</source>
        <translation>Demo · legal person&apos;s computer: %1 (%2)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>演示 · 经办人的电脑：%1（身份证号 %2，手机 %3）</source>
        <translation>Demo · agent&apos;s computer: %1 (ID number %2, mobile %3)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>交易平台：</source>
        <translation>Trading platform: </translation>
    </message>
</context>
<context>
    <name>DocumentSlot</name>
    <message>
        <location filename="../../views/wizard/document_slot.py" line="+33"/>
        <source>营业执照 (*.pdf *.jpg *.jpeg *.png)</source>
        <translation>Business licence (*.pdf *.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>图片 (*.jpg *.jpeg *.png)</source>
        <translation>Images (*.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>替换</source>
        <translation>Replace</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>选择文件</source>
        <translation>Choose file</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>选择{doc}文件</source>
        <translation>Choose the {doc} file</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>删除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>删除{doc}</source>
        <translation>Remove the {doc}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>拍照</source>
        <translation>Take photo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>拍照上传{doc}</source>
        <translation>Take a photo of the {doc}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>未上传 · 拍照或选择文件，也可把文件拖放到此处</source>
        <translation>Not uploaded · take a photo, choose a file or drop one here</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>未上传</source>
        <translation>Missing</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>已上传：{name}（{kb} KB）</source>
        <translation>Uploaded: {name} ({kb} KB)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>已上传</source>
        <translation>Uploaded</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>选择{doc}</source>
        <translation>Choose the {doc}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>拍照：{doc}</source>
        <translation>Photo: {doc}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请将证件平放，四角完整入镜，避免反光。</source>
        <translation>Lay the document flat, all four corners in the picture, without glare.</translation>
    </message>
</context>
<context>
    <name>DocumentsStep</name>
    <message>
        <location filename="../../views/wizard/documents_step.py" line="+29"/>
        <source>请根据要求上传相关必要证件（JPG、PNG，营业执照也可为 PDF，单个文件不超过 10 MB）。</source>
        <translation>Upload the documents asked for (JPEG or PNG; the business licence may also be a PDF; at most 10 MB each).</translation>
    </message>
</context>
<context>
    <name>EnumLabel</name>
    <message>
        <location filename="../../views/format.py" line="+29"/>
        <source>企业数字证书</source>
        <translation>Company certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>法人数字证书</source>
        <translation>Legal representative certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>个人数字证书</source>
        <translation>Personal certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>法人刷脸</source>
        <translation>Face check</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>电子营业执照</source>
        <translation>E-business licence</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>对公打款</source>
        <translation>Bank deposit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>上传授权书</source>
        <translation>Letter of authorisation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>法人本人</source>
        <translation>Legal representative</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正常</source>
        <translation>Valid</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>审核中</source>
        <translation>Under review</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已失效</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已过期</source>
        <translation>Expired</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已吊销</source>
        <translation>Revoked</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>公章</source>
        <translation>Official seal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>法人章</source>
        <translation>Legal representative seal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>个人签名</source>
        <translation>Personal signature</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权中</source>
        <translation>Active</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已撤销</source>
        <translation>Withdrawn</translation>
    </message>
    <message>
        <location filename="../../views/words.py" line="+34"/>
        <source>本机 CA</source>
        <translation>Local CA</translation>
    </message>
</context>
<context>
    <name>FirstUseDialog</name>
    <message>
        <location filename="../../views/scan_entry.py" line="-46"/>
        <source>扫一扫</source>
        <translation>Scan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>初次使用需要下载安全证书并设置证书密码</source>
        <translation>First use: download the certificate and set a certificate password</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>证书下载到本机后，即可扫描交易平台的二维码进行登录、签章和解密。下载时需要法定代表人手机收到的短信验证码。</source>
        <translation>Once the certificate is on this computer, scan the trading platform&apos;s QR codes to log in, seal and decrypt. The download asks for the SMS code sent to the legal representative&apos;s phone.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>继续</source>
        <translation>Continue</translation>
    </message>
</context>
<context>
    <name>FormField</name>
    <message>
        <location filename="../../views/form_field.py" line="+41"/>
        <source>请输入{}</source>
        <translation>Enter the {}</translation>
    </message>
</context>
<context>
    <name>GrantBadge</name>
    <message>
        <location filename="../../views/grant_row.py" line="+42"/>
        <source>状态：{}</source>
        <translation>Status: {}</translation>
    </message>
</context>
<context>
    <name>GrantRow</name>
    <message>
        <location line="+37"/>
        <source>授权期限：{} 至 {}</source>
        <translation>Granted from {} to {}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>经办人：{}（{}）</source>
        <translation>Agent: {} ({})</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人手机号：{}</source>
        <translation>Agent&apos;s mobile number: {}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>授权人：{}</source>
        <translation>Granted by {}</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>撤销授权</source>
        <translation>Withdraw</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>撤销授权 {} {}</source>
        <translation>Withdraw the grant {} {}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>重新下载</source>
        <translation>Download again</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>下载到本机</source>
        <translation>Download here</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>授权已撤销，经办人设备上的证书已吊销。</source>
        <translation>Withdrawn; the certificate on the agent&apos;s devices is revoked.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权已被撤销，您设备上下载的该证书已吊销，不能再使用。</source>
        <translation>The grant was withdrawn; the certificate on your devices is revoked and cannot be used.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>授权已到期，经办人设备上的证书已吊销。</source>
        <translation>Expired; the certificate on the agent&apos;s devices is revoked.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权已到期，您设备上下载的该证书已吊销，不能再使用。</source>
        <translation>The grant has expired; the certificate on your devices is revoked and cannot be used.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>已下载到本机，可在扫一扫中代表单位使用。</source>
        <translation>On this computer: use it under Scan on the company&apos;s behalf.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机的证书已吊销，请重新下载。</source>
        <translation>The certificate on this computer is revoked; download it again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>证书密码错误次数过多，已在本机锁定，请重新下载。</source>
        <translation>Too many wrong certificate passwords: locked on this computer; download it again.</translation>
    </message>
</context>
<context>
    <name>GrantsPage</name>
    <message>
        <location filename="../../views/grants_page.py" line="+92"/>
        <source>授权管理</source>
        <translation>Authorisations</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正在加载…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>暂无授权记录。点击“新增授权”把证书授权给经办人使用。</source>
        <translation>No grants yet. Click “New grant” to let an agent use a certificate.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>可将状态为正常的单位证书、法定代表人证书授权给经办人使用，经办人个人登录后可下载到自己的设备。个人证书不支持授权。</source>
        <translation>Valid company and legal representative certificates can be granted to agents, who log in personally and download them to their own devices. Personal certificates cannot be granted.</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+2"/>
        <source>新增授权</source>
        <translation>New grant</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>授权记录</source>
        <translation>Grants</translation>
    </message>
    <message>
        <location line="+37"/>
        <location line="+12"/>
        <source>撤销授权</source>
        <translation>Withdraw</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>确定撤销对经办人 {} 的{}授权吗？</source>
        <translation>Withdraw the grant of the {1} to the agent {0}?</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>撤销后授权立即失效：经办人在其设备上下载的该证书将被吊销，不能再用于登录、签章或解密。撤销不能恢复，如需继续使用请重新授权。</source>
        <translation>The grant ends at once: the certificate the agent downloaded to their devices is revoked and can no longer log in, seal or decrypt. This cannot be undone; grant again if needed.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>已撤销授权，经办人设备上的证书已吊销</source>
        <translation>Grant withdrawn; the certificate on the agent&apos;s devices is revoked</translation>
    </message>
</context>
<context>
    <name>HandlerStep</name>
    <message>
        <location filename="../../views/wizard/handler_step.py" line="+22"/>
        <source>证书类型</source>
        <translation>Certificate type</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书主体</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>核验方式</source>
        <translation>Verification method</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{label}：{value}</source>
        <translation>{label}: {value}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>办理人员角色</source>
        <translation>Handler role</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>法定代表人本人办理</source>
        <translation>The legal representative applies in person</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>非法人本人办理：需填写经办人信息，并填写授权码</source>
        <translation>Someone else applies: enter the agent&apos;s details and an authorisation code</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <location filename="../../views/home_page.py" line="+31"/>
        <location line="+47"/>
        <source>办理移动CA</source>
        <translation>Mobile CA services</translation>
    </message>
    <message>
        <location line="-32"/>
        <source>法人账号 · 统一社会信用代码 {}</source>
        <translation>Company account · Unified social credit code {}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>个人账号 · 身份证号 {}</source>
        <translation>Personal account · ID number {}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>手机号 {}</source>
        <translation>Mobile {}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>法定代表人 {}</source>
        <translation>Legal representative {}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&#x3000;</source>
        <comment>between the details of the account</comment>
        <translation> · </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>本机设备：{device}&#x3000;·&#x3000;{ca}</source>
        <translation>This device: {device} · {ca}</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>申请单位证书</source>
        <translation>New company
certificate</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>申请法定代表人证书</source>
        <translation>New legal rep.
certificate</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>申请个人证书</source>
        <translation>New personal
certificate</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>证书管理</source>
        <translation>Certificates</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权管理</source>
        <translation>Authorisations</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫一扫</source>
        <translation>Scan</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>单位证书、法定代表人证书可通过“授权管理”授权经办人使用；个人证书不支持授权。</source>
        <translation>Company and legal representative certificates can be granted to agents under Authorisations; personal certificates cannot be granted.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>经办人登录后，可在“授权管理”中查看法人授予的证书。</source>
        <translation>An agent sees the certificates a company granted them under Authorisations.</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+2"/>
        <source>退出登录</source>
        <translation>Log out</translation>
    </message>
</context>
<context>
    <name>InboxPanel</name>
    <message>
        <location filename="../../views/inbox_panel.py" line="+37"/>
        <location line="+5"/>
        <source>手机收件箱</source>
        <translation>Phone inbox</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>模拟手机：发往该号码的短信验证码、授权码、打款通知和电子营业执照。</source>
        <translation>Simulated phone: the SMS codes, authorisation codes, deposit notices and e-business licences sent to this number.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>手机号</source>
        <translation>Mobile number</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>输入手机号</source>
        <translation>Mobile number</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>刷新收件箱</source>
        <translation>Refresh the inbox</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+130"/>
        <source>暂无消息</source>
        <translation>No messages</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>请输入手机号</source>
        <translation>Enter a mobile number</translation>
    </message>
</context>
<context>
    <name>InstitutionStep</name>
    <message>
        <location filename="../../views/wizard/institution_step.py" line="+20"/>
        <source>列表展示所有兼容的 CA 机构，可根据自身需求任选一家，各机构办理流程类似。</source>
        <translation>These are all the compatible CA institutions. Choose any one: the steps are much the same at each.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>正在加载 CA 机构…</source>
        <translation>Loading the CA institutions…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>客服电话 {}</source>
        <translation>Customer service {}</translation>
    </message>
</context>
<context>
    <name>LoginForm</name>
    <message>
        <location filename="../../views/login_form.py" line="+33"/>
        <source>统一社会信用代码</source>
        <translation>Unified social credit code</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>身份证号/手机号</source>
        <translation>ID number / mobile number</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请输入 18 位统一社会信用代码</source>
        <translation>The 18-character unified social credit code</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请输入身份证号或手机号</source>
        <translation>ID number or mobile number</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>请输入密码</source>
        <translation>Your password</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>法人登录</source>
        <translation>Company login</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>个人登录</source>
        <translation>Personal login</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>未注册主体库的企业？立即注册</source>
        <translation>Company not registered yet? Register</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>没有账号？立即注册</source>
        <translation>No account yet? Register</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>注册</source>
        <translation>Register</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>请输入{}</source>
        <translation>{} is required</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../../views/login_page.py" line="+28"/>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>移动版 CA</source>
        <translation>Mobile CA</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>山西公共资源交易
移动版 CA</source>
        <translation>Shanxi Public Resources Trading
Mobile CA</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>使用三晋通账号登录</source>
        <translation>Log in with your Sanjintong account</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>登录方式</source>
        <translation>Login type</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>法人登录</source>
        <translation>Company login</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>个人登录</source>
        <translation>Personal login</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>办理单位数字证书（公章）和法定代表人证书请选择法人登录；办理经办人等个人数字证书请选择个人登录。法人单位如已完成主体库注册，可直接使用主体库账号登录。</source>
        <translation>For a company certificate (official seal) or a legal representative certificate, choose Company login; for a personal certificate, such as an agent&apos;s, choose Personal login. A company already in the subject register logs in with that account.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>账号常见问题</source>
        <translation>Account FAQ</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>账号常见问题（打开山西政务服务网）</source>
        <translation>Account FAQ (opens the Shanxi government services website)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>、</source>
        <comment>between phone numbers</comment>
        <translation>, </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>三晋通技术支持电话：{}</source>
        <translation>Sanjintong support: {}</translation>
    </message>
</context>
<context>
    <name>MessageCard</name>
    <message>
        <location filename="../../views/message_card.py" line="+19"/>
        <source>短信</source>
        <translation>SMS</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>银行通知</source>
        <translation>Bank notice</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>电子营业执照</source>
        <translation>E-business licence</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>验证码 {}</source>
        <translation>Code {}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>复制二维码内容</source>
        <translation>Copy the QR code text</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>复制电子营业执照二维码内容</source>
        <translation>Copy the e-business licence QR code text</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>在“电子营业执照”核验页粘贴</source>
        <translation>Paste it on the “E-business licence” verification step</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>到账金额（元）</source>
        <translation>Amount received (yuan)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>到账金额 {} 元</source>
        <translation>Amount received {} yuan</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>附言中的授权码（在“授权码”一步填写）</source>
        <translation>Authorisation code in the memo (enter it at the “Authorisation code” step)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>授权码 {}</source>
        <translation>Authorisation code {}</translation>
    </message>
</context>
<context>
    <name>MethodStep</name>
    <message>
        <location filename="../../views/wizard/method_step.py" line="+22"/>
        <source>请根据自身情况选择核验方式（四种核验方式任选其一即可），并准备相关办理材料。</source>
        <translation>Choose how to verify your identity (any one of the four methods will do) and have the documents ready.</translation>
    </message>
</context>
<context>
    <name>NewGrantPage</name>
    <message>
        <location filename="../../views/grant_form_page.py" line="+78"/>
        <source>新增授权</source>
        <translation>New grant</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>授权后，经办人个人登录即可在授权管理中看到该证书，并下载到自己的设备使用。授权短信会发送到经办人手机。</source>
        <translation>Once granted, the agent logs in personally, sees the certificate under Authorisations and downloads it to their own device. An SMS tells the agent.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>选择证书</source>
        <translation>Choose a certificate</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>正在加载证书…</source>
        <translation>Loading the certificates…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>仅状态为正常的单位证书（企业数字证书）和法定代表人证书可以授权；个人证书不支持授权。</source>
        <translation>Only valid company and legal representative certificates can be granted; personal certificates cannot.</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>经办人信息</source>
        <translation>Agent details</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+4"/>
        <source>选择已办理申请的经办人</source>
        <translation>Choose an agent named in an application</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>经办人姓名</source>
        <translation>Agent&apos;s name</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>与身份证一致</source>
        <translation>As on the ID card</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人身份证号</source>
        <translation>Agent&apos;s ID number</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>18 位居民身份证号</source>
        <translation>18-character resident ID number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人手机号</source>
        <translation>Agent&apos;s mobile number</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>接收授权通知和验证码</source>
        <translation>Receives the grant notice and codes</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>授权期限</source>
        <translation>Grant period</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+3"/>
        <source>授权有效期至</source>
        <translation>Grant valid until</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>3 个月</source>
        <translation>3 months</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>半年</source>
        <translation>6 months</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1 年</source>
        <translation>1 year</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>至证书到期</source>
        <translation>Until expiry</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>授权期限 {}</source>
        <translation>Grant period {}</translation>
    </message>
    <message>
        <location line="+16"/>
        <location line="+2"/>
        <source>确认授权</source>
        <translation>Grant</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>有效期至 {}</source>
        <translation>Valid until {}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{}，不能授权</source>
        <translation>{}: cannot be granted</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>暂无可授权的证书。请先在首页申请单位证书或法定代表人证书，审核通过（状态为正常）后再授权。</source>
        <translation>No certificate to grant. Apply for a company or legal representative certificate on the home page first; grant it once it is approved (Valid).</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>填写新的经办人</source>
        <translation>Enter a new agent</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>授权期限不能超过证书有效期（{}）；到期后经办人设备上的证书自动吊销。</source>
        <translation>A grant cannot outlast the certificate ({}); when it ends, the certificate on the agent&apos;s devices is revoked.</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>请选择要授权的证书</source>
        <translation>Choose the certificate to grant</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>请填写{}</source>
        <translation>{} is required</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>授权成功，已短信通知经办人 {}</source>
        <translation>Granted; the agent {} was told by SMS</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>经办人不能是法定代表人本人：法定代表人可直接使用该证书</source>
        <translation>The agent cannot be the legal representative, who uses the certificate directly</translation>
    </message>
</context>
<context>
    <name>NewPasswordFields</name>
    <message>
        <location filename="../../views/password_pages.py" line="-176"/>
        <source>至少 8 位，字母与数字组合</source>
        <translation>At least 8 characters, letters and digits</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>再次输入证书密码</source>
        <translation>Enter the certificate password again</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>请再次输入证书密码</source>
        <translation>Enter the certificate password again</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>密码强度不够：{}</source>
        <translation>The password is too weak: {}</translation>
    </message>
</context>
<context>
    <name>PlayPanel</name>
    <message>
        <location filename="../../play_window.py" line="+133"/>
        <source>场景演示：</source>
        <translation>Scenario: </translation>
    </message>
    <message>
        <location line="+53"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>第 {n} / {total} 步：{text}</source>
        <translation>Step {n} of {total}: {text}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>演示完成：共 {total} 步</source>
        <translation>Done: {total} steps</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>继续</source>
        <translation>Continue</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>
截图：{}</source>
        <translation>
Screenshot: {}</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>正在从头重放到第 {n} 步…</source>
        <translation>Replaying from the start to step {n}…</translation>
    </message>
</context>
<context>
    <name>ReceivedGrantsPage</name>
    <message>
        <location filename="../../views/grants_page.py" line="+19"/>
        <source>授权管理</source>
        <translation>Authorisations</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正在加载…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>暂无授权。单位的法定代表人在授权管理中把证书授权给您后，会在这里显示。</source>
        <translation>No grants. A certificate granted to you by a company&apos;s legal representative shows here.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>以下为单位授权给您使用的证书。下载到本机并设置证书密码后，可在扫一扫中代表单位登录、签章和解密。</source>
        <translation>These certificates were granted to you by companies. Download one and set its certificate password to log in, seal and decrypt for the company under Scan.</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>本机证书库未打开，无法下载证书</source>
        <translation>The keystore of this computer is not open; certificates cannot be downloaded</translation>
    </message>
</context>
<context>
    <name>RegionPicker</name>
    <message>
        <location filename="../../views/scan/screen_source.py" line="+197"/>
        <source>框选屏幕区域</source>
        <translation>Select a screen area</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>拖动鼠标框出交易平台页面上的二维码；按 Enter 使用整个屏幕，按 Esc 取消</source>
        <translation>Drag around the QR code on the trading platform&apos;s page; Enter takes the whole screen, Esc cancels</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <location filename="../../views/register_page.py" line="+43"/>
        <source>法人注册</source>
        <translation>Company registration</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>个人注册</source>
        <translation>Personal registration</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>未注册主体库的企业，请先注册三晋通法人账号。注册后可使用统一社会信用代码登录。</source>
        <translation>A company not yet in the subject register first registers a Sanjintong company account, then logs in with its unified social credit code.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>注册三晋通个人账号，用于办理个人数字证书或使用被授权的证书。</source>
        <translation>Register a Sanjintong personal account to apply for a personal certificate or to use a certificate granted to you.</translation>
    </message>
    <message>
        <location line="+21"/>
        <location line="+2"/>
        <source>注册</source>
        <translation>Register</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>单位名称</source>
        <translation>Company name</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>与营业执照一致</source>
        <translation>As on the business licence</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>统一社会信用代码</source>
        <translation>Unified social credit code</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>18 位，见营业执照</source>
        <translation>18 characters, on the business licence</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>所在省份</source>
        <translation>Province</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>所在城市</source>
        <translation>City</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>如：太原市</source>
        <translation>e.g. Taiyuan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>开户银行</source>
        <translation>Bank</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>对公账户的开户银行</source>
        <translation>The bank of the company account</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>对公账号</source>
        <translation>Company bank account</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>用于对公打款核验</source>
        <translation>For the bank deposit check</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>法定代表人姓名</source>
        <translation>Legal representative&apos;s name</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>法定代表人身份证号</source>
        <translation>Legal representative&apos;s ID number</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+13"/>
        <source>18 位居民身份证号</source>
        <translation>18-character resident ID number</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>法定代表人手机号</source>
        <translation>Legal representative&apos;s mobile number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>接收验证码和授权码</source>
        <translation>Receives the SMS and authorisation codes</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>手机号</source>
        <translation>Mobile number</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>接收验证码</source>
        <translation>Receives the SMS codes</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>登录密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>至少 8 位，须包含字母和数字</source>
        <translation>At least 8 characters, letters and digits</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>确认密码</source>
        <translation>Password again</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>再次输入登录密码</source>
        <translation>Enter the password again</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>请填写{}</source>
        <translation>{} is required</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>两次输入的密码不一致</source>
        <translation>The two passwords are not the same</translation>
    </message>
</context>
<context>
    <name>RenewDialog</name>
    <message>
        <location filename="../../views/cert_actions.py" line="+70"/>
        <source>证书更新</source>
        <translation>Renew certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书已过期，是否进行证书更新？</source>
        <translation>The certificate has expired. Renew it?</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>确认进行证书更新？</source>
        <translation>Renew the certificate?</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>将签发新的证书（新的加密证书，有效期重新计算），原证书随即被吊销（已被取代）。</source>
        <translation>A new certificate is issued (a new encryption certificate, a new validity); the current one is revoked at once (superseded).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>更新后需在本机重新下载证书并设置证书密码；其他电脑和经办人也需重新下载。</source>
        <translation>Afterwards, download it again here and set a certificate password; other computers and agents download it again too.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>对原证书的授权将转移到新证书；更新前加密的投标文件仍可解密。</source>
        <translation>Grants move to the new certificate; bids encrypted before the renewal still open.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>确认更新</source>
        <translation>Renew</translation>
    </message>
</context>
<context>
    <name>ReviewerWindow</name>
    <message>
        <location filename="../../views/reviewer/reviewer_window.py" line="+93"/>
        <location line="+51"/>
        <source>CA 审核台</source>
        <translation>CA review desk</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>正在连接 CA…</source>
        <translation>Connecting to the CA…</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>刷新审核队列</source>
        <translation>Refresh the queue</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>刷新审核队列（F5）</source>
        <translation>Refresh the queue (F5)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>审核员登录</source>
        <translation>Reviewer login</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请使用 CA 机构的审核员账号登录，只显示本机构的申请。</source>
        <translation>Log in with a reviewer account of the CA institution; only that institution&apos;s applications are shown.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>登录名</source>
        <translation>Login name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+2"/>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>以 CA 操作员身份进入（演示）</source>
        <translation>Enter as the CA operator (demo)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>以 CA 操作员身份进入</source>
        <translation>Enter as the CA operator</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>培训用：查看所有 CA 机构的审核队列</source>
        <translation>For training: the review queues of every CA institution</translation>
    </message>
    <message>
        <location line="+19"/>
        <location line="+3"/>
        <source>审核队列</source>
        <translation>Review queue</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>编号</source>
        <translation>No.</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+240"/>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location line="-240"/>
        <location line="+242"/>
        <source>证书类型</source>
        <translation>Certificate type</translation>
    </message>
    <message>
        <location line="-242"/>
        <source>待办</source>
        <translation>To do</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>电子签名</source>
        <translation>Electronic signature</translation>
    </message>
    <message>
        <location line="+93"/>
        <source>请填写登录名</source>
        <translation>Enter the login name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请填写密码</source>
        <translation>Enter the password</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>CA 操作员（全部机构）</source>
        <translation>CA operator (all institutions)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>当前审核人：{}</source>
        <translation>Reviewer: {}</translation>
    </message>
    <message>
        <location line="+26"/>
        <location line="+240"/>
        <source>接受授权书</source>
        <translation>Accept the letter</translation>
    </message>
    <message>
        <location line="-240"/>
        <source>审核申请</source>
        <translation>Review</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>待审核的申请 {} 件，待接受的授权书 {} 件。</source>
        <translation>Applications to review: {}; letters of authorisation to accept: {}.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>当前没有待审核的申请，也没有待接受的授权书。</source>
        <translation>No applications to review and no letters of authorisation to accept.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>审核队列为空。申请人提交申请后，点击“刷新”。</source>
        <translation>The queue is empty. Once an applicant submits, click “Refresh”.</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>申请 #{}</source>
        <translation>Application #{}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>证书主体</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>业务类型</source>
        <translation>Business</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>核验方式</source>
        <translation>Verification method</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>办理人</source>
        <translation>Handler</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>经办人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{}（身份证号 {}，手机 {}）</source>
        <translation>{} (ID number {}, mobile {})</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>提交时间</source>
        <translation>Submitted</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>驳回原因</source>
        <translation>Reason for rejection</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>电子签名核验</source>
        <translation>Electronic signature check</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>未签名：申请尚未提交，提交时由办理人以短信验证码签名；现在只审核授权书。</source>
        <translation>Not signed: the application is not submitted yet (the handler signs it with an SMS code then); only the letter of authorisation is reviewed now.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>电子签名 {}</source>
        <translation>Electronic signature {}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>签名人</source>
        <translation>Signer</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>签名时间</source>
        <translation>Signed at</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>申请材料</source>
        <translation>Documents</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>图片无法显示</source>
        <translation>The image cannot be shown</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>审核操作</source>
        <translation>Decision</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>拒绝授权书</source>
        <translation>Refuse the letter</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>通过</source>
        <translation>Approve</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>驳回</source>
        <translation>Reject</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>永久取消审核</source>
        <translation>Cancel for good</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>该申请当前无需审核。</source>
        <translation>This application needs no review now.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>驳回、永久取消审核或拒绝授权书时必填，申请人可以看到</source>
        <translation>Required to reject, cancel or refuse a letter; the applicant sees it</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>电子签名无效或已篡改，不能通过</source>
        <translation>The electronic signature is invalid or tampered; cannot approve</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>电子签名无效或已篡改，不能通过；可驳回或永久取消。</source>
        <translation>The electronic signature is invalid or tampered and cannot be approved; reject or cancel it.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>请填写原因</source>
        <translation>Enter a reason</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>申请 #{} 已通过，证书已签发。</source>
        <translation>Application #{} approved; the certificate is issued.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请 #{} 已驳回。</source>
        <translation>Application #{} rejected.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请 #{} 已被永久取消审核。</source>
        <translation>Application #{} cancelled for good.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请 #{} 的授权书已接受。</source>
        <translation>The letter of application #{} was accepted.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请 #{} 的授权书已拒绝。</source>
        <translation>The letter of application #{} was refused.</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>草稿（授权书待审核）</source>
        <translation>Draft (letter to review)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>审核中</source>
        <translation>Under review</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正常</source>
        <translation>Valid</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已失效（已驳回）</source>
        <translation>Invalid (rejected)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已失效（被永久取消审核）</source>
        <translation>Invalid (cancelled for good)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已失效（申请人已撤销）</source>
        <translation>Invalid (withdrawn by the applicant)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>证书新办</source>
        <translation>New certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书更新</source>
        <translation>Renew certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>证书变更</source>
        <translation>Change certificate</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>签名有效，申请与材料自签名后未被改动</source>
        <translation>Valid: the application and documents are unchanged since they were signed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请尚未签名</source>
        <translation>The application is not signed yet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>签名无法验证</source>
        <translation>The signature cannot be verified</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>签名时间不在事件型证书有效期内</source>
        <translation>Signed outside the event certificate&apos;s validity</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>签名后申请或材料被改动</source>
        <translation>The application or documents changed after signing</translation>
    </message>
    <message>
        <location filename="../../views/reviewer/words.py" line="+14"/>
        <source>未签名</source>
        <translation>Not signed</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>有效</source>
        <translation>Valid</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>已篡改</source>
        <translation>Tampered</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>无效</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <location filename="../../views/reviewer/reviewer_window.py" line="+13"/>
        <source>此 CA 不提供审核台</source>
        <translation>This CA has no review desk</translation>
    </message>
</context>
<context>
    <name>RevokeDialog</name>
    <message>
        <location filename="../../views/cert_actions.py" line="+98"/>
        <source>吊销证书</source>
        <translation>Revoke certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>确认吊销“{}”的{}？</source>
        <translation>Revoke the {1} of “{0}”?</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>吊销立即生效且不可撤回，证书状态将变为“已吊销”。</source>
        <translation>Revocation takes effect at once and cannot be undone; the status becomes “Revoked”.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机、其他电脑和经办人设备上的签名证书同时失效，不能再扫码登录、签章或解密投标文件。</source>
        <translation>The signing certificates on this and other computers and on agents&apos; devices all stop working: no more scanning to log in, seal or decrypt bids.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>对此证书的授权将全部撤回。如需继续使用，须重新申请证书。</source>
        <translation>All grants of this certificate are withdrawn. Apply for a new certificate to go on.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>确认吊销</source>
        <translation>Revoke</translation>
    </message>
</context>
<context>
    <name>RevokeReasons</name>
    <message>
        <location line="-39"/>
        <source>吊销原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>不再使用此证书</source>
        <translation>No longer needed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>私钥泄露、电脑或证书密码丢失</source>
        <translation>Key compromised, computer or password lost</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>单位或人员信息已变化</source>
        <translation>Company or personal details changed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>其他原因</source>
        <translation>Other</translation>
    </message>
</context>
<context>
    <name>ScanConfirmPage</name>
    <message>
        <location filename="../../views/scan/confirm_page.py" line="+52"/>
        <source>确认操作</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>以下交易平台请求使用您的证书</source>
        <translation>This trading platform asks to use your certificate</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>操作</source>
        <translation>Operation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>内容</source>
        <translation>Details</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>二维码有效期至</source>
        <translation>QR code valid until</translation>
    </message>
    <message>
        <location line="+28"/>
        <location line="+3"/>
        <source>使用证书</source>
        <translation>Certificate</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>本机没有可办理此项操作的证书，请先下载证书</source>
        <translation>No certificate on this computer can do this; download a certificate first</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>证书密码</source>
        <translation>Certificate password</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+176"/>
        <source>请输入证书密码</source>
        <translation>Enter the certificate password</translation>
    </message>
    <message>
        <location line="-163"/>
        <location line="+2"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>确认后将使用本机证书签名并提交给交易平台。</source>
        <translation>Confirming signs with this computer&apos;s certificate and sends it to the trading platform.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>发起请求的浏览器</source>
        <translation>Browser that made the request</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>该交易平台没有说明是哪个浏览器发起的请求（旧版扫码协议）。请确认是您本人刚刚在交易平台上发起了此项操作。</source>
        <translation>This trading platform does not say which browser made the request (older scan protocol). Make sure that you yourself have just started this operation on the trading platform.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{address}（与本机访问交易平台的地址相同）</source>
        <translation>{address} (the same address from which this computer reaches the platform)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{address}（与本机访问交易平台的地址 {client} 不同）</source>
        <translation>{address} (not the address {client} from which this computer reaches the platform)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>未知</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>未知（{ua}）</source>
        <translation>Unknown ({ua})</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>浏览器地址</source>
        <translation>Browser address</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>浏览器</source>
        <translation>Browser</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>操作系统</source>
        <translation>Operating system</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>发起时间</source>
        <translation>Requested at</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>请注意：发起此请求的浏览器不在这台电脑上（浏览器地址 {address}，本机访问交易平台的地址 {client}）。如果这个二维码不是您本人刚刚在自己的浏览器里打开交易平台得到的，而是别人发来的网页、链接、聊天图片或陌生页面上的二维码，请立即取消：一旦确认，对方的浏览器就会以您的证书身份登录或办理此项操作。</source>
        <translation>Warning: the browser that made this request is not on this computer (browser address {address}; this computer reaches the platform from {client}). If you did not get this QR code by opening the trading platform in your own browser just now, but from a web page, link, chat picture or unknown page someone else showed you, cancel now: once you confirm, that person&apos;s browser logs in or acts with your certificate.</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{label}（经办人代表 {who}）</source>
        <translation>{label} (agent for {who})</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>待签章文件</source>
        <translation>Document to seal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>文件预览</source>
        <translation>Preview</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>印章</source>
        <translation>Seal</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>正在使用证书签名并提交给交易平台…</source>
        <translation>Signing and sending to the trading platform…</translation>
    </message>
</context>
<context>
    <name>ScanEntry</name>
    <message>
        <location filename="../../views/scan_entry.py" line="-80"/>
        <source>本机密钥库未打开（系统钥匙串不可用），不能使用扫一扫。请解锁系统钥匙串后重新启动程序。</source>
        <translation>The keystore of this computer is not open (the system keyring is not available), so Scan cannot be used. Unlock the system keyring and restart the program.</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>还没有可以下载的证书。请先在首页申请证书，审核通过（状态为“正常”）后再使用扫一扫。</source>
        <translation>No certificate to download yet. Apply for one on the home page; use Scan once it is approved (“Valid”).</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>开始扫一扫</source>
        <translation>Start scanning</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>扫一扫</source>
        <translation>Scan</translation>
    </message>
</context>
<context>
    <name>ScanLabel</name>
    <message>
        <location filename="../../views/scan/labels.py" line="+13"/>
        <source>扫码登录</source>
        <translation>Scan to log in</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫码签章</source>
        <translation>Scan to seal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫码加密</source>
        <translation>Scan to encrypt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫码解密</source>
        <translation>Scan to decrypt</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>确认登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>确认签章</source>
        <translation>Seal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>确认加密</source>
        <translation>Encrypt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>确认解密</source>
        <translation>Decrypt</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>扫码成功</source>
        <translation>Scanned: confirm in the browser</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>签章成功</source>
        <translation>Sealed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>加密证书已提交</source>
        <translation>Encryption certificate sent</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>解密成功</source>
        <translation>Decrypted</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>二维码没有交易平台的签名</source>
        <translation>The QR code is not signed by a trading platform</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>二维码的签名不正确，内容可能被篡改</source>
        <translation>The QR code&apos;s signature is wrong; it may have been tampered with</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>二维码来自未被信任的交易平台</source>
        <translation>The QR code comes from a trading platform that is not trusted</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>二维码已过期，请在交易平台刷新二维码后重新扫描</source>
        <translation>The QR code has expired; refresh it on the trading platform and scan again</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>二维码尚未生效，请检查本机时间</source>
        <translation>The QR code is not valid yet; check this computer&apos;s clock</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>此二维码已使用过，请在交易平台刷新后重新扫描</source>
        <translation>This QR code was used already; refresh it on the trading platform and scan again</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>二维码中的地址不属于该交易平台</source>
        <translation>The address in the QR code does not belong to the trading platform</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>本机证书不能办理此项操作</source>
        <translation>The certificates on this computer cannot do this</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>此类证书不能办理此项操作</source>
        <translation>This kind of certificate cannot do this</translation>
    </message>
</context>
<context>
    <name>ScanPage</name>
    <message>
        <location filename="../../views/scan/scan_page.py" line="+83"/>
        <source>扫一扫</source>
        <translation>Scan</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>二维码来源</source>
        <translation>QR code source</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+55"/>
        <source>摄像头</source>
        <translation>Camera</translation>
    </message>
    <message>
        <location line="-55"/>
        <source>屏幕区域</source>
        <translation>Screen area</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>剪贴板·图片文件</source>
        <translation>Clipboard · image file</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>扫描状态</source>
        <translation>Scan status</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>可办理</source>
        <translation>Available</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扫码登录、扫码签章、扫码加密、扫码解密。识别后会先显示交易平台、操作内容和所用证书，输入证书密码确认后才会签名。</source>
        <translation>Scan to log in, seal, encrypt or decrypt. Once a code is read, you see the trading platform, the operation and the certificate; nothing is signed before you enter the certificate password.</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>选择摄像头</source>
        <translation>Choose a camera</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>重新打开</source>
        <translation>Reopen</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{name}（摄像头 {n}）</source>
        <translation>{name} (camera {n})</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>框选区域</source>
        <translation>Select area</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>整个屏幕</source>
        <translation>Whole screen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>系统截屏</source>
        <translation>System screenshot</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>粘贴剪贴板</source>
        <translation>Paste</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+233"/>
        <source>选择图片文件</source>
        <translation>Choose an image file</translation>
    </message>
    <message>
        <location line="-228"/>
        <source>可粘贴截图或二维码内容（Ctrl+V），也可把图片文件拖放到此页。</source>
        <translation>Paste a screenshot or QR code text (Ctrl+V), or drop an image file on this page.</translation>
    </message>
    <message>
        <location line="+20"/>
        <location line="+284"/>
        <source>扫一扫尚未就绪：本机证书库未打开</source>
        <translation>Scan is not ready: the keystore of this computer is not open</translation>
    </message>
    <message>
        <location line="-243"/>
        <source>点击“框选区域”，在屏幕上框出交易平台页面的二维码</source>
        <translation>Click “Select area” and draw around the QR code on the trading platform&apos;s page</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>框选一次后会记住该区域，之后一键即可扫描</source>
        <translation>The area is remembered: after that, one click scans it</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>粘贴或拖入二维码图片</source>
        <translation>Paste or drop a QR code image</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>支持截图、图片文件，或复制的二维码内容</source>
        <translation>Screenshots, image files or copied QR code text</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>将二维码放入框内，即可自动扫描</source>
        <translation>Hold the QR code inside the frame to scan it</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>可改用“屏幕区域”或“剪贴板·图片文件”扫描</source>
        <translation>You can scan from “Screen area” or “Clipboard · image file” instead</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Wayland 桌面不允许程序直接截屏：请点击“系统截屏”，由系统截取屏幕后识别；也可用截图工具复制二维码，再在“剪贴板·图片文件”中粘贴。</source>
        <translation>Wayland desktops do not let programs take screenshots: click “System screenshot” to let the system take one, or copy the QR code with a screenshot tool and paste it under “Clipboard · image file”.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>无法截取屏幕：Wayland 桌面不允许程序直接截屏。请用系统截图工具截取二维码（复制到剪贴板），再在“剪贴板·图片文件”中粘贴。</source>
        <translation>The screen cannot be captured: Wayland desktops do not let programs take screenshots. Take one of the QR code with the system&apos;s screenshot tool (to the clipboard) and paste it under “Clipboard · image file”.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>截取到的屏幕是全黑的（屏幕可能已锁定或关闭），请改用剪贴板或图片文件。</source>
        <translation>The captured screen is all black (it may be locked or off); use the clipboard or an image file.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>正在请求系统截屏…</source>
        <translation>Asking the system for a screenshot…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>系统可能会先询问是否允许截屏</source>
        <translation>The system may ask whether to allow the screenshot</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>系统截屏未完成（{reason}），请改用剪贴板或图片文件。</source>
        <translation>The system screenshot did not complete ({reason}); use the clipboard or an image file.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>尚未选择区域</source>
        <translation>No area selected</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扫描整个屏幕</source>
        <translation>Scan the whole screen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>已记住框选区域（屏幕的 {w}% × {h}%），点击“框选区域”可重新框选</source>
        <translation>Area remembered ({w}% × {h}% of the screen); click “Select area” to choose another</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>正在扫描屏幕区域，请让交易平台的二维码保持可见</source>
        <translation>Scanning the screen area; keep the trading platform&apos;s QR code visible</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>剪贴板是空的</source>
        <translation>The clipboard is empty</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>已粘贴二维码内容</source>
        <translation>QR code text pasted</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>剪贴板中没有图片或二维码内容</source>
        <translation>The clipboard holds no image or QR code text</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>正在识别图片…</source>
        <translation>Reading the image…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>图片中没有找到二维码</source>
        <translation>No QR code found in the image</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>已识别二维码，正在核验交易平台的请求…</source>
        <translation>QR code read; checking the trading platform&apos;s request…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>请确认交易平台的请求</source>
        <translation>Confirm the trading platform&apos;s request</translation>
    </message>
</context>
<context>
    <name>ScanResultPage</name>
    <message>
        <location filename="../../views/scan/result_page.py" line="+73"/>
        <source>扫码结果</source>
        <translation>Scan result</translation>
    </message>
    <message>
        <location line="+51"/>
        <location line="+2"/>
        <source>继续扫码</source>
        <translation>Scan again</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+2"/>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>已拒绝此二维码</source>
        <translation>QR code refused</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>交易平台未接受</source>
        <translation>Not accepted by the trading platform</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>未能完成</source>
        <translation>Not completed</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>未进行任何签名，也未向交易平台发送任何内容。</source>
        <translation>Nothing was signed and nothing was sent to the trading platform.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>如需重试，请在交易平台刷新二维码后重新扫描。</source>
        <translation>To try again, refresh the QR code on the trading platform and scan it.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>交易平台</source>
        <translation>Trading platform</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>操作</source>
        <translation>Operation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>内容</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>ScanSources</name>
    <message>
        <location filename="../../views/scan/sources.py" line="+35"/>
        <source>摄像头 {n}</source>
        <translation>Camera {n}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>文件：{name}</source>
        <translation>File: {name}</translation>
    </message>
</context>
<context>
    <name>SealPlacer</name>
    <message>
        <location filename="../../views/scan/seal_preview.py" line="+194"/>
        <source>印章位置（可拖动，或用方向键移动）</source>
        <translation>Seal position (drag it, or move it with the arrow keys)</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+8"/>
        <source>盖章页码</source>
        <translation>Page to seal</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>共 {n} 页</source>
        <translation>of {n} pages</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>拖动印章到要盖章的位置；确认后印章将盖在此处（所见即所签）</source>
        <translation>Drag the seal to where it should go; once you confirm, it is sealed exactly there (what you see is what you seal)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>第 {page} 页，({x1}, {y1}) – ({x2}, {y2}) pt</source>
        <translation>Page {page}, ({x1}, {y1}) – ({x2}, {y2}) pt</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../../views/settings_page.py" line="+60"/>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>更改在重新打开本程序后生效。设置保存在：</source>
        <translation>Changes take effect when the program is opened again. Settings are saved in:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>CA 服务</source>
        <translation>CA service</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机 CA（内置，数据保存在本机）</source>
        <translation>Local CA (on this computer)</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+2"/>
        <source>远程 CA 服务器</source>
        <translation>Remote CA server</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>CA 服务器地址</source>
        <translation>CA server address</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>根证书指纹（SHA-256）</source>
        <translation>Root certificate fingerprint (SHA-256)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CA 服务器启动时显示的 64 位十六进制指纹</source>
        <translation>64 hex digits, shown by the CA server</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>使用 https:// 时，本程序只信任指纹与此一致的根证书（证书固定）。http:// 只可用于本机（127.0.0.1）上的 CA。</source>
        <translation>With https://, only a root certificate with this fingerprint is trusted (pinning). http:// is only for a CA on this computer (127.0.0.1).</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>当前使用：</source>
        <translation>In use: </translation>
    </message>
    <message>
        <location line="+12"/>
        <source>语言与摄像头</source>
        <translation>Language and camera</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>界面语言（重新打开后生效）</source>
        <translation>Language (after reopening)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>摄像头</source>
        <translation>Camera</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+127"/>
        <source>当前：</source>
        <translation>Now: </translation>
    </message>
    <message>
        <location line="-126"/>
        <source>正在查找摄像头…</source>
        <translation>Looking for cameras…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>扫一扫与法人刷脸使用的摄像头</source>
        <translation>The camera for Scan and the face check</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>本设备</source>
        <translation>This device</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>设备名称</source>
        <translation>Device name</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>每个设备名称有自己的密钥库和钥匙串条目。改名后需在新名称下重新下载证书。</source>
        <translation>Each device name has its own keystore and keyring entry. After a rename, download the certificates again under the new name.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>数据文件夹：</source>
        <translation>Data folder: </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>本设备的密钥库：</source>
        <translation>This device&apos;s keystore: </translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+2"/>
        <source>打开数据文件夹</source>
        <translation>Open the data folder</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>钥匙串：正在查询…</source>
        <translation>Keyring: checking…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>受信任的交易平台</source>
        <translation>Trusted trading platforms</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>添加交易平台（地址）</source>
        <translation>Add a trading platform (address)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>获取并添加</source>
        <translation>Fetch and add</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>获取并添加交易平台</source>
        <translation>Fetch and add the trading platform</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+2"/>
        <source>保存设置</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>摄像头 %1：%2（%3×%4）</source>
        <translation>Camera %1: %2 (%3×%4)</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>找到 %n 个摄像头</source>
        <translation>
            <numerusform>Found %n camera</numerusform>
            <numerusform>Found %n cameras</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>未发现摄像头。扫一扫和法人刷脸也可以使用图片文件或屏幕截取。</source>
        <translation>No camera found. Scan and the face check also take image files or screen captures.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>无法列出摄像头：</source>
        <translation>The cameras cannot be listed: </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>钥匙串：本设备的密钥库尚未打开</source>
        <translation>Keyring: this device&apos;s keystore is not open yet</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+10"/>
        <location line="+1"/>
        <source>钥匙串：</source>
        <translation>Keyring: </translation>
    </message>
    <message>
        <location line="-4"/>
        <source>系统钥匙串（</source>
        <translation>System keyring (</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>不安全的文件存储（仅供测试和演示）：</source>
        <translation>Insecure file storage (tests and demos only): </translation>
    </message>
    <message>
        <location line="+11"/>
        <source>本版本尚未安装扫一扫，无法管理受信任的交易平台。</source>
        <translation>Scan is not installed in this version; trusted trading platforms cannot be managed.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>尚未信任任何交易平台。</source>
        <translation>No trading platform is trusted yet.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>新添加的平台在重新打开本程序后用于扫一扫。</source>
        <translation>A platform added now is used by Scan after the program is reopened.</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>信任此交易平台？</source>
        <translation>Trust this trading platform?</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>只有确认以下信息与交易平台公布的一致时才添加：</source>
        <translation>Add it only if these details match what the trading platform publishes:</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>请输入以 http:// 或 https:// 开头的地址</source>
        <translation>Enter an address starting with http:// or https://</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>http:// 只能用于本机（127.0.0.1）；其他地址请使用 https://</source>
        <translation>http:// is only for this computer (127.0.0.1); use https:// for other addresses</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>请输入 CA 服务器地址</source>
        <translation>Enter the CA server address</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>指纹应为 64 位十六进制数字（SHA-256），可以带冒号或空格</source>
        <translation>The fingerprint is 64 hex digits (SHA-256), colons or spaces allowed</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>设备名称为 1–64 个英文字母、数字、点、横线或下划线，且不能是系统保留名</source>
        <translation>A device name has 1–64 letters, digits, dots, hyphens or underscores and is not a reserved system name</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>请先改正标红的内容。</source>
        <translation>First correct what is marked in red.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>设置没有变化。</source>
        <translation>Nothing changed.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>已保存到 %1。重新打开本程序后生效。</source>
        <translation>Saved to %1. Takes effect when the program is opened again.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>设置已保存，重新打开后生效</source>
        <translation>Settings saved; they take effect after reopening</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+2"/>
        <source>无法保存设置：</source>
        <translation>The settings cannot be saved: </translation>
    </message>
</context>
<context>
    <name>SignStep</name>
    <message>
        <location filename="../../views/wizard/sign_step.py" line="+26"/>
        <source>经办人 {name}（{phone}）</source>
        <translation>the agent {name} ({phone})</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>申请人（法定代表人）</source>
        <translation>the applicant (the legal representative)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>由{}通过短信验证码完成证书申请材料的电子签名。提交后等待 CA 机构审核。</source>
        <translation>The application is signed electronically by {} with an SMS code. Once it is submitted, the CA institution reviews it.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>短信验证码</source>
        <translation>SMS code</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+2"/>
        <source>获取验证码</source>
        <translation>Get code</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>验证码已发送（可在“手机收件箱”查看），5 分钟内有效。</source>
        <translation>Code sent (see the phone inbox); valid for 5 minutes.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>重新获取</source>
        <translation>Resend</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{} 秒</source>
        <translation>{} s</translation>
    </message>
</context>
<context>
    <name>SnapshotDialog</name>
    <message>
        <location filename="../../views/camera_view.py" line="+201"/>
        <location line="+2"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <source>拍照</source>
        <translation>Take photo</translation>
    </message>
</context>
<context>
    <name>StartupPage</name>
    <message>
        <location filename="../../views/startup_page.py" line="+16"/>
        <source>山西公共资源交易 移动版 CA</source>
        <translation>Shanxi Mobile CA</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>正在打开本机 CA…</source>
        <translation>Opening the local CA…</translation>
    </message>
</context>
<context>
    <name>StatusBadge</name>
    <message>
        <location filename="../../views/status_badge.py" line="+23"/>
        <source>状态：{}</source>
        <translation>Status: {}</translation>
    </message>
</context>
<context>
    <name>StrengthMeter</name>
    <message>
        <location filename="../../views/password_pages.py" line="-119"/>
        <source>密码强度</source>
        <translation>Password strength</translation>
    </message>
    <message>
        <location line="+28"/>
        <location line="+2"/>
        <location line="+1"/>
        <source>强度：弱</source>
        <translation>Strength: weak</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>强度：中</source>
        <translation>Strength: fair</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>强度：强</source>
        <translation>Strength: strong</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>强度：很强</source>
        <translation>Strength: very strong</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>至少 8 位</source>
        <translation>At least 8 characters</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>最多 128 位</source>
        <translation>At most 128 characters</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>须混合字母、数字、符号中的至少两类</source>
        <translation>Mix at least two of letters, digits and symbols</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>这是常见密码，容易被猜中</source>
        <translation>This is a common password, easy to guess</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>避免重复字符、连续序列（如 12345678）和键盘排列</source>
        <translation>Avoid repeated characters, sequences (like 12345678) and keyboard patterns</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>首尾不能有空格</source>
        <translation>No spaces at the start or end</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>不能包含控制字符</source>
        <translation>No control characters</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message>
        <location line="+14"/>
        <source>至少 8 位，混合字母、数字或符号；避免常见密码和连续字符。</source>
        <translation>At least 8 characters mixing letters, digits or symbols; avoid common passwords and sequences.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>可以使用。请牢记证书密码：忘记后需重新下载证书。</source>
        <translation>Good. Remember the certificate password: if it is forgotten, the certificate must be downloaded again.</translation>
    </message>
</context>
<context>
    <name>SubmittedStep</name>
    <message>
        <location filename="../../views/wizard/submitted_step.py" line="+25"/>
        <source>证书申请材料已提交</source>
        <translation>Application submitted</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>需等待 CA 机构审核制证，请耐心等待！审核结果可在“证书管理”中查看。</source>
        <translation>The CA institution now reviews the application and issues the certificate; please wait. The result will show under Certificates.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>CA 机构联系方式，请访问{}</source>
        <translation>For the CA institutions&apos; contact details, see {}</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>可联系 CA 机构：{name}，电话 {phone}。其他 CA 机构联系方式请访问{help}</source>
        <translation>Contact the CA institution: {name}, phone {phone}. For the other CA institutions, see {help}</translation>
    </message>
</context>
<context>
    <name>TopBar</name>
    <message>
        <location filename="../../views/top_bar.py" line="+40"/>
        <location line="+1"/>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>手机收件箱（模拟手机：短信验证码、打款通知、电子营业执照）</source>
        <translation>Phone inbox (simulated phone: SMS codes, deposit notices, e-business licences)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>手机收件箱</source>
        <translation>Phone inbox</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>更多：设置、CA 审核台、演示时钟、手机短信</source>
        <translation>More: settings, CA review desk, demo clock, phone messages</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+10"/>
        <source>更多</source>
        <translation>More</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>CA 审核台</source>
        <translation>CA review desk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>演示时钟</source>
        <translation>Demo clock</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>手机短信</source>
        <translation>Phone messages</translation>
    </message>
</context>
<context>
    <name>VerifyStep</name>
    <message>
        <location filename="../../views/wizard/verify_step.py" line="+35"/>
        <source>图片 (*.jpg *.jpeg *.png)</source>
        <translation>Images (*.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权书 (*.pdf *.jpg *.jpeg *.png)</source>
        <translation>Letter of authorisation (*.pdf *.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>本人刷脸</source>
        <translation>Face check</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>身份核验 · {title}</source>
        <translation>Identity check · {title}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>核验已通过，请点击下一步。</source>
        <translation>Verified; click Next.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>申请人本人正面免冠，光线充足，画面中只有一张人脸。</source>
        <translation>The applicant, facing the camera, bare-headed, in good light, alone in the picture.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>法定代表人本人正面免冠，光线充足，画面中只有一张人脸。</source>
        <translation>The legal representative, facing the camera, bare-headed, in good light, alone in the picture.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>尚未拍照或选择照片</source>
        <translation>No photo taken or chosen yet</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>刷脸摄像头预览</source>
        <translation>Face check camera preview</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>打开摄像头</source>
        <translation>Open the camera</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <source>拍照</source>
        <translation>Take photo</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+59"/>
        <source>选择照片</source>
        <translation>Choose a photo</translation>
    </message>
    <message>
        <location line="-31"/>
        <source>正在使用：{source}</source>
        <translation>Using: {source}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>。也可点击“选择照片”使用照片文件。</source>
        <translation>. You can also click “Choose a photo” to use a photo file.</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>无法预览此文件</source>
        <translation>This file cannot be previewed</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>请粘贴电子营业执照二维码的内容（在“手机收件箱”的电子营业执照消息中点击“复制二维码内容”）。</source>
        <translation>Paste the text of the e-business licence QR code (in the phone inbox, click “Copy the QR code text” on the e-business licence message).</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>电子营业执照二维码内容</source>
        <translation>E-business licence QR code text</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>系统将向单位对公账户打一笔 1 元以内的款项。到账后请填写收到的金额，共 3 次机会。</source>
        <translation>An amount under 1 yuan is paid into the company&apos;s bank account. Enter the amount received; you have 3 tries.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>发起对公打款</source>
        <translation>Start the deposit</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>到账金额（元）</source>
        <translation>Amount received (yuan)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>如：0.37</source>
        <translation>e.g. 0.37</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>已发起对公打款，请查看对公账户入账通知后填写金额。</source>
        <translation>Deposit started; enter the amount from the company account&apos;s notice.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>重新打款</source>
        <translation>New deposit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>已向 {bank} 尾号 {tail} 的对公账户打款，请查看入账通知后填写金额（剩余 {left} 次）。</source>
        <translation>Paid into the company account ending {tail} at {bank}; enter the amount from the notice ({left} tries left).</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>此处填写到账金额；附言中的授权码在下一步填写。</source>
        <translation> Enter the amount received here; the authorisation code in the memo goes in the next step.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>请上传加盖单位公章的授权书（PDF 或图片）。CA 机构审核通过后方可继续。</source>
        <translation>Upload the letter of authorisation with the company&apos;s official seal (PDF or image). You can go on once the CA institution accepts it.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>选择授权书文件</source>
        <translation>Choose the letter file</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>刷新审核状态</source>
        <translation>Refresh the review status</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>授权书已通过 CA 机构审核，请点击下一步。</source>
        <translation>The CA institution accepted the letter; click Next.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>授权书已上传，等待 CA 机构审核。</source>
        <translation>Letter uploaded; waiting for the CA institution&apos;s review.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权书未通过审核，请重新上传。</source>
        <translation>The letter was not accepted; upload it again.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>选择授权书</source>
        <translation>Choose the letter of authorisation</translation>
    </message>
</context>
<context>
    <name>WizardLabels</name>
    <message>
        <location filename="../../views/wizard/labels.py" line="+24"/>
        <source>选择 CA 机构</source>
        <translation>Choose the CA institution</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>选择核验方式</source>
        <translation>Choose a verification method</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>信息确认及办理人员角色</source>
        <translation>Confirm details and handler role</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>经办人信息</source>
        <translation>Agent details</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>身份核验</source>
        <translation>Identity check</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权码</source>
        <translation>Authorisation code</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>信息确认</source>
        <translation>Confirm the details</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>上传证件</source>
        <translation>Upload documents</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>电子签名</source>
        <translation>Electronic signature</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已提交</source>
        <translation>Submitted</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>申请单位证书</source>
        <translation>Apply for a company certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请法定代表人证书</source>
        <translation>Apply for a legal rep. certificate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>申请个人证书</source>
        <translation>Apply for a personal certificate</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>身份证人像面</source>
        <translation>ID card (photo side)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>身份证国徽面</source>
        <translation>ID card (emblem side)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>营业执照</source>
        <translation>Business licence</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权书</source>
        <translation>Letter of authorisation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>刷脸照片</source>
        <translation>Face photo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>个人手写签名</source>
        <translation>Handwritten signature</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>法定代表人本人刷脸核验：拍摄或选择一张本人正面照片。</source>
        <translation>Face check of the legal representative: take or choose a photo of their face from the front.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>出示单位的电子营业执照二维码完成核验。</source>
        <translation>Show the QR code of the company&apos;s e-business licence.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>向单位对公账户打一笔小额款项，回填到账金额（3 次机会）。</source>
        <translation>A small amount is paid into the company&apos;s bank account; enter the amount received (3 tries).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>上传加盖公章的授权书，由 CA 机构人工审核。</source>
        <translation>Upload a letter of authorisation with the official seal; the CA institution reviews it.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>授权码已通过短信发送至法定代表人手机。</source>
        <translation>The authorisation code was sent by SMS to the legal representative&apos;s phone.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权书审核通过后，授权码已通过短信发送至法定代表人手机。</source>
        <translation>The letter was accepted and the authorisation code sent by SMS to the legal representative&apos;s phone.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>授权码已发送至法定代表人的电子营业执照。</source>
        <translation>The authorisation code was sent to the legal representative&apos;s e-business licence.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>授权码在对公打款的附言中，请查看对公账户入账通知。</source>
        <translation>The authorisation code is in the memo of the deposit: see the company account&apos;s notice.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>山西省数字证书互认平台</source>
        <translation>the Shanxi digital certificate recognition platform</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{name}：{url}</source>
        <translation>{name}: {url}</translation>
    </message>
</context>
<context>
    <name>WizardPage</name>
    <message>
        <location filename="../../views/wizard/wizard_page.py" line="+75"/>
        <location line="+2"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+53"/>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <location line="-11"/>
        <source>第 {} / {} 步</source>
        <translation>Step {} of {}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>第 {} 步（共 {}–{} 步）</source>
        <translation>Step {} (of {}–{})</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>提交</source>
        <translation>Submit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>查看证书管理</source>
        <translation>Go to Certificates</translation>
    </message>
</context>
<context>
    <name>reviewer</name>
    <message>
        <location filename="../../views/reviewer/common.py" line="+48"/>
        <source>条件不满足，无法执行此操作：电子签名无效或已篡改</source>
        <translation>This cannot be done: the electronic signature is invalid or tampered</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>该申请当前的状态不允许此操作（可能已被处理）</source>
        <translation>The application&apos;s state does not allow this (it may have been handled already)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>未找到该申请或文件（或它不属于本机构）</source>
        <translation>No such application or document (or it belongs to another institution)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>无权执行此操作：仅 CA 审核员或本机 CA 操作员可以使用</source>
        <translation>Not allowed: only CA reviewers or the local CA operator can do this</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>请填写原因（不超过 500 字）</source>
        <translation>Enter a reason (at most 500 characters)</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>CA 时钟已调整，登录已过期，请重新登录</source>
        <translation>The CA clock was moved and the login has expired; log in again</translation>
    </message>
</context>
</TS>
